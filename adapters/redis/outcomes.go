package redis

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// outcomeBuckets is how many time buckets a window is split into.
const outcomeBuckets = 10

// outcomesKey is where the outcome figures called key are kept.
func (c *Cache) outcomesKey(key string) string { return c.prefix + "o:" + key }

// AddOutcomes adds successes and failures to the figures at key, in the
// time bucket of now on the Redis server's clock, and returns the totals
// of the last ten buckets, now's included, as every instance added them.
// A bucket is a tenth of window wide, counted in whole microseconds (at
// least one); window is rounded up to a whole microsecond. Adding zeros
// only reads. Calling AddOutcomes for a key with a different window than
// before starts new figures, as in the memory Cache. Totals are exact
// below 2^53.
//
// CodeInvalid if a count is negative or window is not positive.
func (c *Cache) AddOutcomes(ctx context.Context, key string, successes, failures int64, window time.Duration) (gateway.Outcomes, error) {
	if successes < 0 || failures < 0 {
		return gateway.Outcomes{}, gateway.Invalid("outcomes", "outcome counts must not be negative")
	}
	if window <= 0 {
		return gateway.Outcomes{}, gateway.Invalid("window", "window must be positive")
	}
	us := micros(window)
	args := []string{
		strconv.FormatInt(successes, 10),
		strconv.FormatInt(failures, 10),
		strconv.FormatInt(us, 10),
		strconv.FormatInt(max(us/outcomeBuckets, 1), 10),
	}
	r, err := outcomesScript.Exec(ctx, c.client, []string{c.outcomesKey(key)}, args).AsStrSlice()
	if err != nil {
		return gateway.Outcomes{}, c.fail(err)
	}
	if len(r) != 2 {
		return gateway.Outcomes{}, gateway.Internal(fmt.Errorf("redis: outcomes script answered %q, want 2 numbers", r))
	}
	s, err1 := strconv.ParseFloat(r[0], 64)
	f, err2 := strconv.ParseFloat(r[1], 64)
	if err1 != nil || err2 != nil {
		return gateway.Outcomes{}, gateway.Internal(fmt.Errorf("redis: outcomes script answered %q", r))
	}
	return gateway.Outcomes{Successes: clamp(s, 0, math.MaxInt64), Failures: clamp(f, 0, math.MaxInt64)}, nil
}
