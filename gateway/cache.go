package gateway

import (
	"context"
	"time"
)

// Cache is fast state shared by every instance of the gateway: values with
// a time to live, atomic counters, rate-limit decisions and
// publish/subscribe. The memory Cache makes one instance exact; a shared
// one (Redis) makes N instances behave as one. Every method is one atomic
// operation (one round trip), never read-modify-write by the caller.
type Cache interface {
	// Get returns the value at key. CodeNotFound if there is none or it
	// expired.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value at key for ttl; ttl 0 keeps it until deleted.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes key; removing a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Incr adds delta to the counter at key and returns the new value. A
	// missing key counts from 0 and, when ttl > 0, expires ttl after it
	// was created; later calls do not extend it.
	Incr(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error)
	// Allow takes n units from the token bucket at key, which holds at
	// most limit units and refills limit units per window, evenly. It
	// takes nothing when the bucket holds fewer than n: the Decision then
	// says how long until it will. CodeInvalid if limit or window is not
	// positive, or n is not in [1, limit].
	Allow(ctx context.Context, key string, limit int64, window time.Duration, n int64) (Decision, error)
	// Publish sends payload to every current subscriber of channel, on
	// every instance.
	Publish(ctx context.Context, channel string, payload []byte) error
	// Subscribe returns the payloads published to channel from now on,
	// in order, until ctx ends; then the channel is closed. A subscriber
	// that falls behind may miss payloads, so subscribers treat a payload
	// as "something changed", never as the change itself.
	Subscribe(ctx context.Context, channel string) (<-chan []byte, error)
}

// Decision is the answer of Cache.Allow.
type Decision struct {
	Allowed bool
	// Remaining is how many whole units the bucket holds after the call.
	Remaining int64
	// RetryAfter is how long until n units are there, when not Allowed.
	RetryAfter time.Duration
}

// ChangesChannel is the Cache channel on which configuration changes are
// announced; every Gateway reloads its Snapshot when one arrives.
const ChangesChannel = "tollgate:changes"
