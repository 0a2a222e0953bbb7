package redis_test

import (
	"context"
	"encoding/binary"
	"math"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/redis/rueidis"
	"github.com/tollgate-ai/tollgate/adapters/redis"
	"github.com/tollgate-ai/tollgate/gateway"
)

// TestTakeExactAcrossInstances races 300 requests of one unit, spread
// over three Caches on one Redis and Prefix (three gateway instances), for
// a bucket of 100 a minute: exactly 100 get in (plus whatever refilled
// while they raced, one unit per 600ms, which a healthy run never sees).
func TestTakeExactAcrossInstances(t *testing.T) {
	const instances, callers, limit = 3, 300, 100
	prefix := newPrefix()
	caches := make([]*redis.Cache, instances)
	for i := range caches {
		caches[i] = openWith(t, prefix, "")
	}
	bucket := []gateway.Bucket{{Key: "{acct}:rpm", Limit: limit, Window: time.Minute, N: 1}}
	var (
		start   = make(chan struct{})
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
		errs    []error
	)
	for i := range callers {
		c := caches[i%instances]
		wg.Go(func() {
			<-start
			a, err := c.Take(t.Context(), bucket)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else if a.Allowed {
				allowed++
			}
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	took := time.Since(began)
	for _, err := range errs {
		t.Fatal(err)
	}
	refilled := int(took / (time.Minute / limit))
	if refilled > 0 {
		t.Logf("the race took %v: %d units refilled meanwhile", took, refilled)
	}
	if allowed < limit || allowed > limit+refilled {
		t.Fatalf("%d of %d requests allowed in %v, want %d", allowed, callers, took, limit)
	}
}

// TestTakeSharesAllowsLayout checks that Take keeps the bucket Allow
// keeps: the same key, the same value (level in units × window µs), the
// same expiry, and each reads what the other wrote.
func TestTakeSharesAllowsLayout(t *testing.T) {
	is := is.New(t)
	prefix := newPrefix()
	c := openWith(t, prefix, "")
	raw := rawClient(t)
	ctx := t.Context()
	a, err := c.Take(ctx, []gateway.Bucket{{Key: "{a}b", Limit: 10, Window: time.Minute, N: 3}})
	is.NoErr(err)
	is.Equal(a, gateway.Admission{Allowed: true, Refused: -1, Remaining: []int64{7}})

	b, ok := readBucket(t, raw, prefix+"r:{a}b")
	is.True(ok)
	is.Equal(b.Limit, 10.0)
	is.Equal(b.Window, 60e6)
	is.Equal(b.Level, float64(7*60_000_000))
	is.True(math.Abs(b.Last/1e6-float64(time.Now().Unix())) < 60) // server time in µs
	is.Equal(b.Until, b.Last+18e6+60e6)                           // full in 18s, kept a window more
	// 3 units at 10 a minute come back in 18s; the key lasts a window more.
	ttl, err := raw.Do(ctx, raw.B().Pttl().Key(prefix+"r:{a}b").Build()).AsInt64()
	is.NoErr(err)
	is.True(ttl > 77_000 && ttl <= 78_001)

	d, err := c.Allow(ctx, "{a}b", 10, time.Minute, 7)
	is.NoErr(err)
	is.Equal(d, gateway.Decision{Allowed: true, Remaining: 0}) // Allow sees what Take left
	a, err = c.Take(ctx, []gateway.Bucket{{Key: "{a}b", Limit: 10, Window: time.Minute, N: 1}})
	is.NoErr(err)
	is.True(!a.Allowed) // and Take what Allow left
	is.Equal(a.Refused, 0)
	is.True(a.RetryAfter > 5*time.Second && a.RetryAfter <= 6*time.Second)
}

// TestTakeRefusedWritesNothing checks that a refused Take leaves every
// bucket as it was, expiry included, and names the first bucket short.
func TestTakeRefusedWritesNothing(t *testing.T) {
	is := is.New(t)
	prefix := newPrefix()
	c := openWith(t, prefix, "")
	raw := rawClient(t)
	ctx := t.Context()
	buckets := []gateway.Bucket{
		{Key: "{a}x", Limit: 5, Window: time.Hour, N: 1},
		{Key: "{a}y", Limit: 2, Window: time.Hour, N: 2},
		{Key: "{a}z", Limit: 1, Window: time.Hour, N: 1},
	}
	a, err := c.Take(ctx, buckets)
	is.NoErr(err)
	is.Equal(a, gateway.Admission{Allowed: true, Refused: -1, Remaining: []int64{4, 0, 0}})
	dump := func() map[string]storedBucket {
		out := map[string]storedBucket{}
		for _, b := range buckets {
			stored, ok := readBucket(t, raw, prefix+"r:"+b.Key)
			is.True(ok)
			out[b.Key] = stored
		}
		return out
	}
	before := dump()
	a, err = c.Take(ctx, buckets)
	is.NoErr(err)
	is.True(!a.Allowed)
	is.Equal(a.Refused, 1) // y is first short, though z is too
	is.Equal(a.Remaining, []int64{4, 0, 0})
	is.True(a.RetryAfter > 59*time.Minute && a.RetryAfter <= time.Hour) // both of y's units
	is.Equal(dump(), before)
}

// TestTakeRetryAfterExact waits exactly RetryAfter, not a hair more: the
// refused bucket must then give its units.
func TestTakeRetryAfterExact(t *testing.T) {
	is := is.New(t)
	c := open(t)
	ctx := t.Context()
	buckets := []gateway.Bucket{
		{Key: "{a}slow", Limit: 1000, Window: time.Hour, N: 1},
		{Key: "{a}fast", Limit: 3, Window: 300 * time.Millisecond, N: 1},
	}
	for range 3 {
		a, err := c.Take(ctx, buckets)
		is.NoErr(err)
		is.True(a.Allowed)
	}
	for i := range 3 {
		a, err := c.Take(ctx, buckets)
		is.NoErr(err)
		is.True(!a.Allowed)
		is.Equal(a.Refused, 1)
		is.True(a.RetryAfter > 0 && a.RetryAfter <= 100*time.Millisecond)
		time.Sleep(a.RetryAfter)
		a, err = c.Take(ctx, buckets)
		is.NoErr(err)
		if !a.Allowed {
			t.Fatalf("round %d: refused after waiting RetryAfter: %+v", i, a)
		}
	}
}

// TestTakeSameKeyTwice checks that a key named twice in one call is one
// bucket, whose takes add up.
func TestTakeSameKeyTwice(t *testing.T) {
	is := is.New(t)
	c := open(t)
	ctx := t.Context()
	b := gateway.Bucket{Key: "{a}b", Limit: 3, Window: time.Hour, N: 2}
	a, err := c.Take(ctx, []gateway.Bucket{b, b})
	is.NoErr(err)
	is.True(!a.Allowed) // 2 + 2 > 3
	is.Equal(a.Refused, 1)
	is.Equal(a.Remaining, []int64{3, 3}) // nothing taken
	b.N = 1
	a, err = c.Take(ctx, []gateway.Bucket{b, b})
	is.NoErr(err)
	is.True(a.Allowed)
	is.Equal(a.Remaining, []int64{1, 1})
}

// TestTakeAdjustDebtExpires checks that Adjust writes the bucket Allow and
// Take read, that a debt keeps the bucket until it is paid off and full
// again, and that a bucket refunded to full reads full.
func TestTakeAdjustDebtExpires(t *testing.T) {
	is := is.New(t)
	prefix := newPrefix()
	c := openWith(t, prefix, "")
	raw := rawClient(t)
	ctx := t.Context()
	key := prefix + "r:{a}tpm"
	b := gateway.Bucket{Key: "{a}tpm", Limit: 10, Window: time.Minute, N: 30}
	is.NoErr(c.Adjust(ctx, []gateway.Bucket{b})) // a new, full bucket: 10 - 30
	stored, ok := readBucket(t, raw, key)
	is.True(ok)
	is.True(stored.Level >= -20*60e6 && stored.Level < -19*60e6) // -20 units, give or take the refill since
	// 30 units at 10 a minute: full again in 180s, kept a window more.
	ttl, err := raw.Do(ctx, raw.B().Pttl().Key(key).Build()).AsInt64()
	is.NoErr(err)
	is.True(ttl > 239_000 && ttl <= 240_001)

	d, err := c.Allow(ctx, "{a}tpm", 10, time.Minute, 1)
	is.NoErr(err)
	is.True(!d.Allowed) // in debt
	is.Equal(d.Remaining, int64(0))
	is.True(d.RetryAfter > 125*time.Second && d.RetryAfter <= 126*time.Second) // 21 units
	a, err := c.Take(ctx, []gateway.Bucket{{Key: "{a}tpm", Limit: 10, Window: time.Minute, N: 1}})
	is.NoErr(err)
	is.True(!a.Allowed)
	is.Equal(a.Remaining, []int64{0})

	b.N = -25 // a refund: -20 + 25 = 5
	is.NoErr(c.Adjust(ctx, []gateway.Bucket{b}))
	a, err = c.Take(ctx, []gateway.Bucket{{Key: "{a}tpm", Limit: 10, Window: time.Minute, N: 5}})
	is.NoErr(err)
	is.True(a.Allowed)
	is.Equal(a.Remaining, []int64{0})

	b.N = -100 // a refund past the limit: full, and kept as such until it expires
	is.NoErr(c.Adjust(ctx, []gateway.Bucket{b}))
	stored, ok = readBucket(t, raw, key)
	is.True(ok)
	is.Equal(stored.Level, float64(10*60e6))
	a, err = c.Take(ctx, []gateway.Bucket{{Key: "{a}tpm", Limit: 10, Window: time.Minute, N: 10}})
	is.NoErr(err)
	is.True(a.Allowed) // full
	is.NoErr(raw.Do(ctx, raw.B().Del().Key(key).Build()).Error())
	a, err = c.Take(ctx, []gateway.Bucket{{Key: "{a}tpm", Limit: 10, Window: time.Minute, N: 10}})
	is.NoErr(err)
	is.True(a.Allowed) // and a missing bucket is a full one
}

// TestTakeAdjustInvalid checks Adjust's validation, done before any
// round trip: a bad bucket anywhere in the call changes no bucket.
func TestTakeAdjustInvalid(t *testing.T) {
	is := is.New(t)
	c := open(t)
	ctx := t.Context()
	good := gateway.Bucket{Key: "{a}good", Limit: 3, Window: time.Hour, N: 3}
	for _, bad := range []gateway.Bucket{
		{Key: "{a}bad", Limit: 0, Window: time.Hour, N: 1},
		{Key: "{a}bad", Limit: -1, Window: time.Hour, N: 1},
		{Key: "{a}bad", Limit: 3, Window: 0, N: 1},
		{Key: "{a}bad", Limit: 3, Window: -time.Second, N: 1},
	} {
		err := c.Adjust(ctx, []gateway.Bucket{good, bad})
		is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
	}
	a, err := c.Take(ctx, []gateway.Bucket{good})
	is.NoErr(err)
	is.True(a.Allowed) // good is still full
	// Any N goes in Adjust, 0 and beyond the limit included.
	for _, n := range []int64{0, 4, -4} {
		good.N = n
		is.NoErr(c.Adjust(ctx, []gateway.Bucket{good}))
	}
}

func TestTakeNoBuckets(t *testing.T) {
	is := is.New(t)
	c := open(t)
	a, err := c.Take(t.Context(), nil)
	is.NoErr(err)
	is.Equal(a, gateway.Admission{Allowed: true, Refused: -1, Remaining: []int64{}})
	is.NoErr(c.Adjust(t.Context(), nil))
}

// TestTakeHugeNumbers runs buckets and debts far past the doubles' exact
// range: the answers stay within bounds, and expiries stay acceptable to
// PEXPIRE.
func TestTakeHugeNumbers(t *testing.T) {
	is := is.New(t)
	c := open(t)
	ctx := t.Context()
	const limit, window = math.MaxInt64, time.Duration(math.MaxInt64)
	a, err := c.Take(ctx, []gateway.Bucket{{Key: "{a}huge", Limit: limit, Window: window, N: limit}})
	is.NoErr(err)
	is.True(a.Allowed)
	is.True(a.Remaining[0] >= 0 && a.Remaining[0] < 1e9)
	is.NoErr(c.Adjust(ctx, []gateway.Bucket{{Key: "{a}huge", Limit: limit, Window: window, N: math.MinInt64}}))
	a, err = c.Take(ctx, []gateway.Bucket{{Key: "{a}huge", Limit: limit, Window: window, N: 1}})
	is.NoErr(err)
	is.True(a.Allowed)
	is.True(a.Remaining[0] > limit/2) // refunded to full

	// A debt of MaxInt64 units at one an hour: paid off in ~10^15 years.
	small := gateway.Bucket{Key: "{a}small", Limit: 1, Window: time.Hour, N: math.MaxInt64}
	is.NoErr(c.Adjust(ctx, []gateway.Bucket{small}))
	is.NoErr(c.Adjust(ctx, []gateway.Bucket{small})) // deeper still
	small.N = 1
	a, err = c.Take(ctx, []gateway.Bucket{small})
	is.NoErr(err)
	is.True(!a.Allowed)
	is.Equal(a.Remaining, []int64{0})
	is.Equal(a.RetryAfter, time.Duration(math.MaxInt64/int64(time.Microsecond))*time.Microsecond) // clamped
	// Refunds: three, since the debt's rounding ate the bucket's 1 unit.
	small.N = math.MinInt64
	for range 3 {
		is.NoErr(c.Adjust(ctx, []gateway.Bucket{small}))
	}
	small.N = 1
	a, err = c.Take(ctx, []gateway.Bucket{small})
	is.NoErr(err)
	is.True(a.Allowed) // refunded to full
}

// BenchmarkTake measures one Take of six buckets, the request counts a
// key and its account are typically limited by (per minute, hour and
// day), one caller at a time and many at once, on buckets that never run
// dry.
func BenchmarkTake(b *testing.B) {
	c := open(b)
	ctx := context.Background()
	buckets := func(tag string) []gateway.Bucket {
		var out []gateway.Bucket
		for _, scope := range []string{"k:key_1:", "a:"} {
			for _, w := range []struct {
				name   string
				window time.Duration
			}{{"rpm", time.Minute}, {"rph", time.Hour}, {"rpd", 24 * time.Hour}} {
				out = append(out, gateway.Bucket{Key: "rl:{" + tag + "}:" + scope + w.name, Limit: 1 << 40, Window: w.window, N: 1})
			}
		}
		return out
	}
	b.Run("Single", func(b *testing.B) {
		bs := buckets("single")
		for b.Loop() {
			if _, err := c.Take(ctx, bs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		bs := buckets("parallel")
		b.SetParallelism(8) // callers per CPU: they wait on the network, not the CPU
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Take(ctx, bs); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// storedBucket is a token bucket as the scripts keep it (see luaBuckets).
type storedBucket struct{ Level, Last, Limit, Window, Until float64 }

// readBucket reads the bucket stored at key, the whole Redis key; ok is
// false when there is none.
func readBucket(tb testing.TB, raw rueidis.Client, key string) (b storedBucket, ok bool) {
	tb.Helper()
	v, err := raw.Do(context.Background(), raw.B().Get().Key(key).Build()).AsBytes()
	if rueidis.IsRedisNil(err) {
		return b, false
	}
	if err != nil || len(v) != 40 {
		tb.Fatalf("bucket %s: %q, %v; want 40 bytes", key, v, err)
	}
	f := func(i int) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(v[8*i:])) }
	return storedBucket{f(0), f(1), f(2), f(3), f(4)}, true
}

// TestTakeManyBuckets takes from more buckets than Lua can unpack at
// once (8,000): the script reads them in batches.
func TestTakeManyBuckets(t *testing.T) {
	is := is.New(t)
	c := open(t)
	buckets := make([]gateway.Bucket, 9000)
	for i := range buckets {
		buckets[i] = gateway.Bucket{Key: "{a}" + strconv.Itoa(i), Limit: 3, Window: time.Minute, N: 1}
	}
	buckets[8999].N = 2
	a, err := c.Take(t.Context(), buckets)
	is.NoErr(err)
	is.True(a.Allowed)
	is.Equal(a.Remaining[0], int64(2))
	is.Equal(a.Remaining[8999], int64(1))
	a, err = c.Take(t.Context(), buckets)
	is.NoErr(err)
	is.True(!a.Allowed) // the last one is short, so nothing is taken
	is.Equal(a.Refused, 8999)
	is.Equal(a.Remaining[0], int64(2))
}
