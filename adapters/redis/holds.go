package redis

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// holdsKey is where the credit holds of account are kept: one hash per
// account, whose name carries the account as a Cluster hash tag.
// (Versions before this one kept holds at "h:", as decimal text; the new
// name keeps each version from dropping the other's holds as unreadable
// while both run.)
func (c *Cache) holdsKey(account string) string { return c.prefix + "p:{" + account + "}" }

// Reserve places a hold of amount on account under id when the account's
// open holds plus amount do not exceed limit; the hold lapses ttl after
// the call, on the Redis server's clock. A second Reserve of an id that
// is held changes nothing, its expiry included, and is granted again.
// Reservation.Held is the sum of the open holds after the call.
//
// The holds live in Redis, so every instance sees the same ones; see the
// package doc for the layout. ttl is rounded up to a whole microsecond.
// Sums are exact while the account's holds add up to less than 2^53
// micros (about 9 billion credits); past that they may be off by a
// rounding step.
//
// CodeInvalid if amount or ttl is not positive.
func (c *Cache) Reserve(ctx context.Context, account, id string, amount, limit gateway.Micros, ttl time.Duration) (gateway.Reservation, error) {
	if amount <= 0 {
		return gateway.Reservation{}, gateway.Invalid("amount", "a hold's amount must be positive")
	}
	if ttl <= 0 {
		return gateway.Reservation{}, gateway.Invalid("ttl", "a hold's ttl must be positive")
	}
	args := []string{
		id,
		strconv.FormatInt(int64(amount), 10),
		strconv.FormatInt(int64(limit), 10),
		strconv.FormatInt(micros(ttl), 10),
	}
	r, err := reserveScript.Exec(ctx, c.client, []string{c.holdsKey(account)}, args).AsStrSlice()
	if err != nil {
		return gateway.Reservation{}, c.fail(err)
	}
	if len(r) != 2 {
		return gateway.Reservation{}, gateway.Internal(fmt.Errorf("redis: reserve script answered %q, want 2 numbers", r))
	}
	held, err := parseSum(r[1])
	if err != nil {
		return gateway.Reservation{}, gateway.Internal(fmt.Errorf("redis: reserve script answered %q: %w", r, err))
	}
	return gateway.Reservation{Granted: r[0] == "1", Held: held}, nil
}

// Release removes the hold id of account and returns its amount, exactly
// as reserved; found is false when there was none (never made, released
// already, or lapsed).
func (c *Cache) Release(ctx context.Context, account, id string) (gateway.Micros, bool, error) {
	r, err := releaseScript.Exec(ctx, c.client, []string{c.holdsKey(account)}, []string{id}).AsStrSlice()
	if err != nil {
		return 0, false, c.fail(err)
	}
	if len(r) != 2 {
		return 0, false, gateway.Internal(fmt.Errorf("redis: release script answered %q, want 2 strings", r))
	}
	if r[0] != "1" {
		return 0, false, nil
	}
	amount, err := strconv.ParseInt(r[1], 10, 64)
	if err != nil {
		return 0, false, gateway.Internal(fmt.Errorf("redis: release script answered %q: %w", r, err))
	}
	return gateway.Micros(amount), true, nil
}

// Held returns the sum of account's open holds, exact below 2^53 micros.
func (c *Cache) Held(ctx context.Context, account string) (gateway.Micros, error) {
	s, err := heldScript.Exec(ctx, c.client, []string{c.holdsKey(account)}, nil).ToString()
	if err != nil {
		return 0, c.fail(err)
	}
	held, err := parseSum(s)
	if err != nil {
		return 0, gateway.Internal(fmt.Errorf("redis: held script answered %q: %w", s, err))
	}
	return held, nil
}

// parseSum reads a sum a script formatted with %.0f: an integer, which a
// double past 2^63 - 1 overshoots, so it is clamped to an int64.
func parseSum(s string) (gateway.Micros, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	return gateway.Micros(clamp(f, 0, math.MaxInt64)), nil
}
