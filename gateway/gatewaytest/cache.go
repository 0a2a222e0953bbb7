package gatewaytest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// TestCache runs the conformance suite for gateway.Cache against the
// caches newCache returns. newCache is called once per subtest, with that
// subtest's t, and registers its own cleanup with t.Cleanup. The caches
// may share state (one Redis for every subtest): the suite names every key
// and channel after the subtest and a random run identifier, and deletes
// its keys when a subtest ends. Subtests run in parallel.
//
// The time-dependent cases (expiry, refill) use real time: they wait for
// what must happen within a generous bound rather than assert how long it
// took, so a slow machine does not make them fail; none sleeps more than
// about a third of a second when the Cache is right. Run it under -race.
func TestCache(t *testing.T, newCache func(t *testing.T) gateway.Cache) {
	groups := []struct {
		name string
		run  func(*testing.T, cacheFactory)
	}{
		{"Get", testCacheGet},
		{"Set", testCacheSet},
		{"Delete", testCacheDelete},
		{"Incr", testCacheIncr},
		{"Allow", testCacheAllow},
		{"Take", testCacheTake},
		{"Adjust", testCacheAdjust},
		{"Holds", testCacheHolds},
		{"Funds", testCacheFunds},
		{"Ticket", testCacheTicket},
		{"Outcomes", testCacheOutcomes},
		{"Publish", testCachePublish},
		{"Subscribe", testCacheSubscribe},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			g.run(t, newCache)
		})
	}
}

// cacheFactory is the argument of TestCache.
type cacheFactory = func(t *testing.T) gateway.Cache

// runCache runs fn as a parallel subtest of t named name, with a fresh
// Cache and a strict is.I.
func runCache(t *testing.T, name string, newCache cacheFactory, fn func(t *testing.T, is *is.I, c gateway.Cache)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		fn(t, is.New(t), newCache(t))
	})
}

// runID tells apart the keys of concurrent runs against one shared cache.
var runID = func() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}()

// cacheKey returns a key (or channel) name unique to the subtest and the
// run, and deletes the key when the subtest ends.
func cacheKey(t *testing.T, c gateway.Cache, name string) string {
	t.Helper()
	k := "gatewaytest:" + runID + ":" + t.Name() + ":" + name
	t.Cleanup(func() { _ = c.Delete(context.Background(), k) })
	return k
}

// waitFor is how long the suite waits for something that must happen
// soon: an expiry, a delivery, a closed channel.
const waitFor = 5 * time.Second

// eventually polls cond until it is true or waitFor has passed, and
// reports whether it became true.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(waitFor)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// gone reports whether Get says key is not found, failing on other errors.
func gone(t *testing.T, c gateway.Cache, key string) bool {
	t.Helper()
	_, err := c.Get(t.Context(), key)
	if err != nil && gateway.ErrorCode(err) != gateway.CodeNotFound {
		t.Fatalf("Get(%s): %v", key, err)
	}
	return err != nil
}

// counter returns the counter at key without changing it: 0 if it is
// missing or expired.
func counter(t *testing.T, c gateway.Cache, key string) int64 {
	t.Helper()
	n, err := c.Incr(t.Context(), key, 0, 0)
	if err != nil {
		t.Fatalf("Incr(%s, 0): %v", key, err)
	}
	return n
}

func testCacheGet(t *testing.T, newCache cacheFactory) {
	runCache(t, "ErrNotFound", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		_, err := c.Get(t.Context(), cacheKey(t, c, "missing"))
		is.Equal(codeOf(err), gateway.CodeNotFound)
	})
	runCache(t, "ReturnsCopy", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "k")
		is.NoErr(c.Set(t.Context(), k, []byte("value"), 0))
		got, err := c.Get(t.Context(), k)
		is.NoErr(err)
		got[0] = 'X'
		got, err = c.Get(t.Context(), k)
		is.NoErr(err)
		is.Equal(string(got), "value") // changing a returned value does not change the Cache
	})
}

func testCacheSet(t *testing.T, newCache cacheFactory) {
	runCache(t, "OK", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "k")
		want := []byte{0, 1, 2, 0xff, 'a'}
		is.NoErr(c.Set(t.Context(), k, want, 0))
		got, err := c.Get(t.Context(), k)
		is.NoErr(err)
		is.True(bytes.Equal(got, want)) // binary values round-trip
		is.NoErr(c.Set(t.Context(), k, []byte("second"), 0))
		got, err = c.Get(t.Context(), k)
		is.NoErr(err)
		is.Equal(string(got), "second") // Set replaces
	})
	runCache(t, "OKEmptyValue", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "k")
		is.NoErr(c.Set(t.Context(), k, []byte{}, 0))
		got, err := c.Get(t.Context(), k)
		is.NoErr(err) // an empty value is a value
		is.Equal(len(got), 0)
	})
	runCache(t, "CopiesValue", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "k")
		v := []byte("value")
		is.NoErr(c.Set(t.Context(), k, v, 0))
		v[0] = 'X'
		got, err := c.Get(t.Context(), k)
		is.NoErr(err)
		is.Equal(string(got), "value") // changing the argument does not change the Cache
	})
	runCache(t, "TTLExpires", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		long, short := cacheKey(t, c, "long"), cacheKey(t, c, "short")
		is.NoErr(c.Set(t.Context(), long, []byte("v"), time.Minute))
		is.NoErr(c.Set(t.Context(), short, []byte("v"), 50*time.Millisecond))
		is.True(!gone(t, c, long))                                    // a value is there until its ttl ends
		is.True(eventually(func() bool { return gone(t, c, short) })) // and gone after it
	})
	runCache(t, "ZeroTTLPersists", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "k")
		is.NoErr(c.Set(t.Context(), k, []byte("first"), 50*time.Millisecond))
		is.NoErr(c.Set(t.Context(), k, []byte("second"), 0)) // replaces the ttl too
		time.Sleep(150 * time.Millisecond)
		got, err := c.Get(t.Context(), k)
		is.NoErr(err) // ttl 0 keeps the value until deleted
		is.Equal(string(got), "second")
	})
}

func testCacheDelete(t *testing.T, newCache cacheFactory) {
	runCache(t, "OK", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k, other := cacheKey(t, c, "k"), cacheKey(t, c, "other")
		is.NoErr(c.Set(t.Context(), k, []byte("v"), 0))
		is.NoErr(c.Set(t.Context(), other, []byte("v"), 0))
		is.NoErr(c.Delete(t.Context(), k))
		is.True(gone(t, c, k))
		is.True(!gone(t, c, other)) // only key is deleted
	})
	runCache(t, "OKMissing", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		is.NoErr(c.Delete(t.Context(), cacheKey(t, c, "missing")))
	})
	runCache(t, "OKCounter", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "n")
		_, err := c.Incr(t.Context(), k, 5, 0)
		is.NoErr(err)
		is.NoErr(c.Delete(t.Context(), k))
		is.Equal(counter(t, c, k), int64(0)) // a deleted counter counts from 0 again
	})
}

func testCacheIncr(t *testing.T, newCache cacheFactory) {
	runCache(t, "OK", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "n")
		for _, step := range []struct{ delta, want int64 }{{1, 1}, {5, 6}, {-10, -4}, {0, -4}} {
			got, err := c.Incr(t.Context(), k, step.delta, 0)
			is.NoErr(err)
			is.Equal(got, step.want)
		}
		got, err := c.Incr(t.Context(), cacheKey(t, c, "negative"), -3, 0)
		is.NoErr(err)
		is.Equal(got, int64(-3)) // a missing key counts from 0, down too
	})
	runCache(t, "TTLOnCreateOnly", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "n")
		n, err := c.Incr(t.Context(), k, 1, time.Second)
		is.NoErr(err)
		is.Equal(n, int64(1))
		time.Sleep(50 * time.Millisecond)
		n, err = c.Incr(t.Context(), k, 1, time.Minute) // must not extend the ttl
		is.NoErr(err)
		is.Equal(n, int64(2))
		is.True(eventually(func() bool { return counter(t, c, k) == 0 })) // expires ttl after it was created
	})
	runCache(t, "ZeroTTLPersists", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "n")
		_, err := c.Incr(t.Context(), k, 1, 0)
		is.NoErr(err)
		_, err = c.Incr(t.Context(), k, 1, 50*time.Millisecond) // the key exists: no ttl is added
		is.NoErr(err)
		time.Sleep(150 * time.Millisecond)
		is.Equal(counter(t, c, k), int64(2))
	})
	runCache(t, "Concurrent", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "n")
		got := make([][]int64, 50)
		errs := race(50, func(i int) error {
			for range 20 {
				n, err := c.Incr(t.Context(), k, 1, time.Minute)
				if err != nil {
					return err
				}
				got[i] = append(got[i], n)
			}
			return nil
		})
		for _, err := range errs {
			is.NoErr(err)
		}
		is.Equal(counter(t, c, k), int64(1000)) // no increment is lost
		all := slices.Concat(got...)
		slices.Sort(all)
		for i, n := range all {
			if n != int64(i+1) {
				t.Fatalf("Incr results sorted: [%d] = %d, want %d (each call returns its own new value)", i, n, i+1)
			}
		}
	})
}

func testCacheAllow(t *testing.T, newCache cacheFactory) {
	runCache(t, "OK", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "bucket")
		allow := func(n int64) gateway.Decision {
			t.Helper()
			// A 3 s window refills a unit a second: slack enough for a
			// loaded machine between the calls below.
			d, err := c.Allow(t.Context(), k, 3, 3*time.Second, n)
			is.NoErr(err)
			return d
		}
		for _, remaining := range []int64{2, 1, 0} {
			d := allow(1)
			is.True(d.Allowed)               // a full bucket holds limit units
			is.Equal(d.Remaining, remaining) // and counts them down
		}
		d := allow(1)
		is.True(!d.Allowed)                                      // the bucket is empty
		is.Equal(d.Remaining, int64(0))                          // and says so
		is.True(d.RetryAfter > 0 && d.RetryAfter <= time.Second) // a unit comes back within a third of the window
		d2 := allow(2)
		is.True(!d2.Allowed)
		is.True(d2.RetryAfter > d.RetryAfter && d2.RetryAfter <= 2*time.Second) // two units take longer
		time.Sleep(d.RetryAfter + 10*time.Millisecond)
		d = allow(1)
		is.True(d.Allowed) // after RetryAfter the unit is there
	})
	runCache(t, "ErrInvalid", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "bucket")
		for _, tc := range []struct {
			limit  int64
			window time.Duration
			n      int64
		}{
			{0, time.Second, 1}, {-1, time.Second, 1}, {3, 0, 1}, {3, -time.Second, 1}, {3, time.Second, 0}, {3, time.Second, -1}, {3, time.Second, 4},
		} {
			_, err := c.Allow(t.Context(), k, tc.limit, tc.window, tc.n)
			if gateway.ErrorCode(err) != gateway.CodeInvalid {
				t.Errorf("Allow(limit %d, window %v, n %d) = %v, want CodeInvalid", tc.limit, tc.window, tc.n, err)
			}
		}
	})
	runCache(t, "OKTakesN", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "bucket")
		d, err := c.Allow(t.Context(), k, 10, time.Hour, 4)
		is.NoErr(err)
		is.True(d.Allowed)
		is.Equal(d.Remaining, int64(6))
		d, err = c.Allow(t.Context(), k, 10, time.Hour, 7)
		is.NoErr(err)
		is.True(!d.Allowed)             // fewer than n units: nothing is taken
		is.Equal(d.Remaining, int64(6)) // as Remaining shows
		is.True(d.RetryAfter > 0 && d.RetryAfter <= time.Hour)
		d, err = c.Allow(t.Context(), k, 10, time.Hour, 6)
		is.NoErr(err)
		is.True(d.Allowed)
		is.Equal(d.Remaining, int64(0))
	})
	runCache(t, "IndependentKeys", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		a, b := cacheKey(t, c, "a"), cacheKey(t, c, "b")
		d, err := c.Allow(t.Context(), a, 1, time.Hour, 1)
		is.NoErr(err)
		is.True(d.Allowed)
		d, err = c.Allow(t.Context(), a, 1, time.Hour, 1)
		is.NoErr(err)
		is.True(!d.Allowed) // a is empty
		d, err = c.Allow(t.Context(), b, 1, time.Hour, 1)
		is.NoErr(err)
		is.True(d.Allowed) // b is not
	})
	runCache(t, "Concurrent", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "bucket")
		allowed := make([]int, 20)
		errs := race(20, func(i int) error {
			for range 10 {
				d, err := c.Allow(t.Context(), k, 100, time.Hour, 1)
				if err != nil {
					return err
				}
				if d.Allowed {
					allowed[i]++
				}
			}
			return nil
		})
		total := 0
		for i, err := range errs {
			is.NoErr(err)
			total += allowed[i]
		}
		is.Equal(total, 100) // exactly limit units are handed out
	})
}
