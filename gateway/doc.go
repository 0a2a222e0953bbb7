// Package gateway is the core of Tollgate: its domain types, the ports that
// adapters implement, and the logic of the request path.
//
// The request path is
//
//	authenticate (in-memory snapshot, no I/O) → route (binding → providers →
//	credentials) → admit (Cache.Admit: limits, concurrency leases and the
//	credit hold, one round trip) → call the Upstream (failover within an
//	attempt budget) → finish (Cache.Finish: token correction, leases back,
//	the credit settled, one round trip) → record and ledger entry (async,
//	batched)
//
// On a RemoteCache (Redis) the finish runs after the answer is on its way,
// so a client waits for one Cache round trip, not two.
//
// A Gateway never calls its Store while serving a request: configuration
// lives in an immutable Snapshot built from the Store and swapped atomically
// by Reload, which runs at start, after every admin change, and whenever a
// change event arrives through the Cache.
//
// The package imports only the standard library, golang.org/x/time/rate and
// github.com/sony/gobreaker/v2; everything with a dependency lives in an
// adapter that implements one of the ports: Store, Cache, Upstream (built by
// a Driver), Notifier and Clock.
package gateway
