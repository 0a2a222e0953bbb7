package redis_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/redis/rueidis"

	"github.com/tollgate-ai/tollgate/gateway"
)

// keysUnder returns every key under prefix (SCAN).
func keysUnder(t *testing.T, raw rueidis.Client, prefix string) []string {
	t.Helper()
	var keys []string
	var cursor uint64
	for {
		e, err := raw.Do(t.Context(), raw.B().Scan().Cursor(cursor).Match(prefix+"*").Count(1000).Build()).AsScanEntry()
		if err != nil {
			t.Fatalf("scan %s*: %v", prefix, err)
		}
		keys = append(keys, e.Elements...)
		if cursor = e.Cursor; cursor == 0 {
			return keys
		}
	}
}

// waitGone waits until key no longer exists in Redis.
func waitGone(t *testing.T, raw rueidis.Client, key string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		n, err := raw.Do(t.Context(), raw.B().Exists().Key(key).Build()).AsInt64()
		if err != nil {
			t.Fatalf("exists %s: %v", key, err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is still in Redis after %v", key, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pttl returns the milliseconds key has left: -1 without expiry, -2 when
// missing.
func pttl(t *testing.T, raw rueidis.Client, key string) int64 {
	t.Helper()
	ms, err := raw.Do(t.Context(), raw.B().Pttl().Key(key).Build()).AsInt64()
	if err != nil {
		t.Fatalf("pttl %s: %v", key, err)
	}
	return ms
}

// TestHoldsOneKeyPerAccount checks that every hold of an account lives in
// one hash whose name carries the account as a Cluster hash tag, apart
// from other accounts' and from values of the same name.
func TestHoldsOneKeyPerAccount(t *testing.T) {
	is := is.New(t)
	prefix := newPrefix()
	c := openWith(t, prefix, "")
	raw := rawClient(t)
	ctx := t.Context()
	for i := range 3 {
		r, err := c.Reserve(ctx, "acct", fmt.Sprintf("req-%d", i), 10, 100, time.Minute)
		is.NoErr(err)
		is.True(r.Granted)
	}
	_, err := c.Reserve(ctx, "other", "req-0", 10, 100, time.Minute)
	is.NoErr(err)
	is.NoErr(c.Set(ctx, "acct", []byte("v"), 0))

	key := prefix + "p:{acct}"
	n, err := raw.Do(ctx, raw.B().Hlen().Key(key).Build()).AsInt64()
	is.NoErr(err)
	is.Equal(n, int64(3+1)) // the account's three holds and their totals, in one hash
	keys := keysUnder(t, raw, prefix)
	is.Equal(len(keys), 3) // that hash, other's, and the value
	for _, k := range keys {
		switch k {
		case key, prefix + "p:{other}", prefix + "v:acct":
		default:
			t.Errorf("unexpected key %q", k)
		}
	}
	held, err := c.Held(ctx, "acct")
	is.NoErr(err)
	is.Equal(held, gateway.Micros(30)) // the value did not disturb the holds
}

// TestHoldsKeyExpires checks that an account's key expires at twice the
// ttl of the latest hold placed, or at the first call after its holds lapsed,
// so an idle account costs nothing.
func TestHoldsKeyExpires(t *testing.T) {
	is := is.New(t)
	prefix := newPrefix()
	c := openWith(t, prefix, "")
	raw := rawClient(t)
	ctx := t.Context()
	key := prefix + "p:{acct}"

	_, err := c.Reserve(ctx, "acct", "long", 10, 100, time.Minute)
	is.NoErr(err)
	ms := pttl(t, raw, key)
	is.True(ms > 119_000 && ms <= 120_000) // the key lasts twice as long as its hold
	_, err = c.Reserve(ctx, "acct", "short", 10, 100, 300*time.Millisecond)
	is.NoErr(err)
	ms = pttl(t, raw, key)
	is.True(ms > 119_000 && ms <= 120_000) // a shorter hold does not shorten it
	_, found, err := c.Release(ctx, "acct", "long")
	is.NoErr(err)
	is.True(found)
	ms = pttl(t, raw, key)
	is.True(ms > 0 && ms <= 120_000) // it does not move

	time.Sleep(350 * time.Millisecond) // the short hold lapses
	held, err := c.Held(ctx, "acct")
	is.NoErr(err)
	is.Equal(held, gateway.Micros(0))
	is.Equal(pttl(t, raw, key), int64(-2)) // the call that found every hold lapsed removed the key

	_, err = c.Reserve(ctx, "acct", "last", 10, 100, time.Minute)
	is.NoErr(err)
	_, found, err = c.Release(ctx, "acct", "last")
	is.NoErr(err)
	is.True(found)
	ms = pttl(t, raw, key)
	is.True(ms > 119_000 && ms <= 120_000) // the key waits for the next hold until its expiry
	held, err = c.Held(ctx, "acct")
	is.NoErr(err)
	is.Equal(held, gateway.Micros(0))
}

// TestHoldsWithoutTotals checks that a hash of holds without the totals,
// or with fields that are not holds, is read by a scan that drops what
// lapsed and what is not a hold, and that the totals then track the holds.
func TestHoldsWithoutTotals(t *testing.T) {
	is := is.New(t)
	prefix := newPrefix()
	c := openWith(t, prefix, "")
	raw := rawClient(t)
	ctx := t.Context()
	key := prefix + "p:{acct}"
	stored := func(expires float64, amount string) string {
		return string(binary.LittleEndian.AppendUint64(nil, math.Float64bits(expires))) + amount
	}
	future := float64(time.Now().Add(time.Hour).UnixMicro())
	is.NoErr(raw.Do(ctx, raw.B().Hset().Key(key).FieldValue().
		FieldValue("live", stored(future, "25")).FieldValue("lapsed", stored(1, "40")).
		FieldValue("stray", "x").FieldValue("garbled", stored(future, "2x")).FieldValue("\x00old", "7").Build()).Error())

	held, err := c.Held(ctx, "acct")
	is.NoErr(err)
	is.Equal(held, gateway.Micros(25)) // the live hold only
	n, err := raw.Do(ctx, raw.B().Hlen().Key(key).Build()).AsInt64()
	is.NoErr(err)
	is.Equal(n, int64(1+1)) // the lapsed hold and the other fields are gone; the totals are there

	r, err := c.Reserve(ctx, "acct", "new", 10, 35, time.Minute)
	is.NoErr(err)
	is.True(r.Granted)
	is.Equal(r.Held, gateway.Micros(35))
	r, err = c.Reserve(ctx, "acct", "over", 1, 35, time.Minute)
	is.NoErr(err)
	is.True(!r.Granted) // the totals count the old hold and the new one
	amount, found, err := c.Release(ctx, "acct", "live")
	is.NoErr(err)
	is.True(found)
	is.Equal(amount, gateway.Micros(25))
	held, err = c.Held(ctx, "acct")
	is.NoErr(err)
	is.Equal(held, gateway.Micros(10))
}

// TestHoldsRefusedWritesNothing checks that a refused Reserve leaves no
// key behind, and that a negative limit refuses everything.
func TestHoldsRefusedWritesNothing(t *testing.T) {
	is := is.New(t)
	prefix := newPrefix()
	c := openWith(t, prefix, "")
	raw := rawClient(t)
	r, err := c.Reserve(t.Context(), "acct", "req", 1, -5, time.Minute)
	is.NoErr(err)
	is.Equal(r, gateway.Reservation{})
	is.Equal(len(keysUnder(t, raw, prefix)), 0)
}

// TestHoldsLargeAmounts checks sums exact up to 2^53 and amounts
// returned exactly at any size.
func TestHoldsLargeAmounts(t *testing.T) {
	is := is.New(t)
	c := open(t)
	ctx := t.Context()
	const big = gateway.Micros(1<<53 - 2)
	r, err := c.Reserve(ctx, "acct", "a", big, 1<<53-1, time.Minute)
	is.NoErr(err)
	is.Equal(r, gateway.Reservation{Granted: true, Held: big})
	r, err = c.Reserve(ctx, "acct", "b", 2, 1<<53-1, time.Minute)
	is.NoErr(err)
	is.Equal(r, gateway.Reservation{Held: big}) // one micro over: refused
	r, err = c.Reserve(ctx, "acct", "c", 1, 1<<53-1, time.Minute)
	is.NoErr(err)
	is.Equal(r, gateway.Reservation{Granted: true, Held: 1<<53 - 1}) // exactly the limit fits

	const huge = gateway.Micros(math.MaxInt64 - 1) // odd and far past 2^53
	r, err = c.Reserve(ctx, "rich", "x", huge, math.MaxInt64, time.Minute)
	is.NoErr(err)
	is.True(r.Granted)
	is.True(r.Held > 0) // clamped, not overflowed
	amount, found, err := c.Release(ctx, "rich", "x")
	is.NoErr(err)
	is.True(found)
	is.Equal(amount, huge) // exactly as reserved
}

// TestHoldsSubMillisecondTTL checks that a ttl below a millisecond still
// gives the key an expiry (PEXPIRE 0 would delete it at once).
func TestHoldsSubMillisecondTTL(t *testing.T) {
	is := is.New(t)
	prefix := newPrefix()
	c := openWith(t, prefix, "")
	raw := rawClient(t)
	r, err := c.Reserve(t.Context(), "acct", "r", 10, 100, time.Nanosecond) // counted as 1µs
	is.NoErr(err)
	is.True(r.Granted)
	waitGone(t, raw, prefix+"p:{acct}", 2*time.Second)
}

// BenchmarkReserveRelease measures a Reserve and its Release, one caller
// at a time and many at once on one account (whose holds share a key).
func BenchmarkReserveRelease(b *testing.B) {
	c := open(b)
	ctx := context.Background()
	cycle := func(id string) error {
		r, err := c.Reserve(ctx, "acct", id, 1, math.MaxInt64, time.Minute)
		if err != nil {
			return err
		}
		if !r.Granted {
			return fmt.Errorf("hold %s refused", id)
		}
		_, found, err := c.Release(ctx, "acct", id)
		if err == nil && !found {
			err = fmt.Errorf("hold %s not found", id)
		}
		return err
	}
	b.Run("Single", func(b *testing.B) {
		for b.Loop() {
			if err := cycle("single"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		b.SetParallelism(8) // callers per CPU: they wait on the network, not the CPU
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			id := fmt.Sprintf("parallel-%d", next.Add(1))
			for pb.Next() {
				if err := cycle(id); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// TestFundsApartFromBuckets checks that an account's balance does not
// share a name with a token bucket: a bucket called "{acct}" once lived
// at the balance's key, and either call then failed on the other's type.
func TestFundsApartFromBuckets(t *testing.T) {
	is := is.New(t)
	c := open(t)
	ctx := t.Context()
	bal, first, err := c.CreditFunds(ctx, "acct", "led-1", 500, 1_000)
	is.NoErr(err)
	is.True(first)
	is.Equal(bal, gateway.Micros(1_500))
	a, err := c.Take(ctx, []gateway.Bucket{{Key: "{acct}", Limit: 10, Window: time.Minute, N: 1}})
	is.NoErr(err) // not WRONGTYPE
	is.True(a.Allowed)
	f, err := c.GetFunds(ctx, "acct")
	is.NoErr(err)
	is.Equal(f.Balance, gateway.Micros(1_500))
}
