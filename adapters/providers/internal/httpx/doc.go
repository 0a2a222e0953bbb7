// Package httpx is the HTTP machinery the provider adapters share: one
// tuned transport per provider, a Client that sends a request and maps
// every failure to a *gateway.Error under the failover contract, and the
// helpers that keep credentials out of error messages.
//
// Each adapter builds its requests (URL, auth header, body) and maps the
// provider's error bodies itself; what is the same for every provider
// lives here.
package httpx
