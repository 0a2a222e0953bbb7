package gateway

import "time"

// Caller is the authenticated client of one request.
type Caller struct {
	Key     *Key
	Account *Account
	// Namespace is where the request routes: the key's, else its
	// account's default.
	Namespace string
	// RequestID identifies the request in records and to the client; the
	// Gateway makes one when it is empty.
	RequestID string
	ClientIP  string
	// RateStatus is what the request learnt of its limits, for the
	// x-ratelimit-* headers; set once it has been admitted or refused.
	RateStatus *RateStatus
}

// Authenticate finds the client key in the current Snapshot; it does no
// I/O. CodeUnauthenticated if the key is unknown, revoked, expired, of a
// disabled account, or of an earlier epoch of its account.
//
// The lookup is by HMAC digest, so the time it takes says nothing about
// how much of a guessed key was right.
func (g *Gateway) Authenticate(key string) (*Caller, error) {
	return g.snapshot().authenticate(g.hasher.Digest(key), g.clock.Now())
}

func (s *Snapshot) authenticate(digest string, now time.Time) (*Caller, error) {
	k, ok := s.keys[digest]
	if !ok {
		return nil, &Error{Code: CodeUnauthenticated, Type: "invalid_api_key", Message: "invalid API key"}
	}
	acct := s.accounts[k.AccountID]
	if !k.UsableAt(now, acct) {
		return nil, &Error{Code: CodeUnauthenticated, Type: "invalid_api_key", Message: "API key is expired, revoked or disabled"}
	}
	ns := k.Namespace
	if ns == "" {
		ns = acct.DefaultNamespace
	}
	return &Caller{Key: k, Account: acct, Namespace: ns}, nil
}
