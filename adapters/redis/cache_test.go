package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/redis/rueidis"

	"github.com/tollgate-ai/tollgate/adapters/redis"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

// addrEnv names the variable that points the tests at a Redis.
const addrEnv = "TOLLGATE_TEST_REDIS_ADDR"

// testAddr is the Redis the tests use: $TOLLGATE_TEST_REDIS_ADDR, or
// redis.DefaultAddr.
func testAddr() string {
	if a := os.Getenv(addrEnv); a != "" {
		return a
	}
	return redis.DefaultAddr
}

// random returns n random bytes in hex.
func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newPrefix returns a Prefix no other test run uses. It has no glob
// characters, so purge can match it as is.
func newPrefix() string { return "tollgate-test:" + random(6) + ":" }

// open returns a Cache on the test Redis under a fresh prefix; see
// openWith.
func open(tb testing.TB) *redis.Cache {
	tb.Helper()
	return openWith(tb, newPrefix(), "")
}

// openWith returns a Cache on the test Redis under prefix, whose
// connections are called name (when not empty). When the test ends it is
// closed and every key under prefix is deleted. The test fails, never
// skips, when Redis cannot be reached.
func openWith(tb testing.TB, prefix, name string) *redis.Cache {
	tb.Helper()
	cfg := redis.Config{Addr: testAddr(), Prefix: prefix, Logger: testLogger(tb)}
	var c *redis.Cache
	var err error
	if name == "" {
		c, err = redis.New(cfg)
	} else {
		c, err = redis.NewNamed(cfg, name)
	}
	if err != nil {
		tb.Fatalf("no Redis at %s (start one, or set %s): %v", testAddr(), addrEnv, err)
	}
	tb.Cleanup(func() {
		c.Close()
		purge(tb, prefix)
	})
	return c
}

// testLogger logs to the test's log. Every Cache is closed, which waits
// for its goroutines, before its test ends.
func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// rawClient returns a plain rueidis client on the test Redis, closed when
// the test ends, to look behind a Cache's back.
func rawClient(tb testing.TB) rueidis.Client {
	tb.Helper()
	opt := rueidis.ClientOption{InitAddress: []string{testAddr()}}
	if strings.Contains(testAddr(), "://") {
		var err error
		if opt, err = rueidis.ParseURL(testAddr()); err != nil {
			tb.Fatalf("%s: %v", addrEnv, err)
		}
	}
	opt.DisableCache = true
	client, err := rueidis.NewClient(opt)
	if err != nil {
		tb.Fatalf("no Redis at %s (start one, or set %s): %v", testAddr(), addrEnv, err)
	}
	tb.Cleanup(client.Close)
	return client
}

// purge deletes every key under prefix (SCAN + DEL).
func purge(tb testing.TB, prefix string) {
	tb.Helper()
	client := rawClient(tb)
	ctx := context.Background()
	var cursor uint64
	for {
		e, err := client.Do(ctx, client.B().Scan().Cursor(cursor).Match(prefix+"*").Count(1000).Build()).AsScanEntry()
		if err != nil {
			tb.Errorf("scan %s*: %v", prefix, err)
			return
		}
		if len(e.Elements) > 0 {
			if err := client.Do(ctx, client.B().Del().Key(e.Elements...).Build()).Error(); err != nil {
				tb.Errorf("delete %s*: %v", prefix, err)
				return
			}
		}
		if cursor = e.Cursor; cursor == 0 {
			return
		}
	}
}

func TestCache(t *testing.T) {
	open(t) // one clear failure when there is no Redis, rather than one per subtest
	gatewaytest.TestCache(t, func(t *testing.T) gateway.Cache { return open(t) })
}

func TestPrefixIsolates(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	a, b := open(t), open(t)

	is.NoErr(a.Set(ctx, "k", []byte("a"), 0))
	_, err := b.Get(ctx, "k")
	is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound) // b does not see a's key
	is.NoErr(b.Set(ctx, "k", []byte("b"), 0))
	got, err := a.Get(ctx, "k")
	is.NoErr(err)
	is.Equal(string(got), "a") // nor a b's

	n, err := b.Incr(ctx, "n", 1, 0)
	is.NoErr(err)
	is.Equal(n, int64(1))
	n, err = a.Incr(ctx, "n", 1, 0)
	is.NoErr(err)
	is.Equal(n, int64(1)) // counters apart

	d, err := a.Allow(ctx, "bucket", 1, time.Hour, 1)
	is.NoErr(err)
	is.True(d.Allowed)
	d, err = b.Allow(ctx, "bucket", 1, time.Hour, 1)
	is.NoErr(err)
	is.True(d.Allowed) // buckets apart

	sub, err := a.Subscribe(ctx, "ch")
	is.NoErr(err)
	is.NoErr(b.Publish(ctx, "ch", []byte("from b")))
	is.NoErr(a.Publish(ctx, "ch", []byte("from a")))
	select {
	case p := <-sub:
		is.Equal(string(p), "from a") // channels apart
	case <-time.After(2 * time.Second):
		t.Fatal("no payload")
	}
}

func TestBucketsApartFromValues(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	c := open(t)
	is.NoErr(c.Set(ctx, "k", []byte("v"), 0))
	d, err := c.Allow(ctx, "k", 2, time.Hour, 1)
	is.NoErr(err)
	is.Equal(d, gateway.Decision{Allowed: true, Remaining: 1}) // a value does not disturb a bucket
	got, err := c.Get(ctx, "k")
	is.NoErr(err)
	is.Equal(string(got), "v") // nor a bucket a value
	is.NoErr(c.Delete(ctx, "k"))
	d, err = c.Allow(ctx, "k", 2, time.Hour, 1)
	is.NoErr(err)
	is.Equal(d.Remaining, int64(0)) // Delete leaves the bucket, as in the memory Cache
}

func TestIncrInvalid(t *testing.T) {
	ctx := t.Context()
	c := open(t)
	for _, tc := range []struct {
		name  string
		value string
		delta int64
	}{
		{"NotAnInteger", "abc", 1},
		{"Float", "1.5", 1},
		{"Overflow", "9223372036854775807", 1},
		{"Underflow", "-9223372036854775808", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			is.NoErr(c.Set(ctx, tc.name, []byte(tc.value), 0))
			_, err := c.Incr(ctx, tc.name, tc.delta, time.Minute)
			is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
			got, err := c.Get(ctx, tc.name)
			is.NoErr(err)
			is.Equal(string(got), tc.value) // unchanged
		})
	}
	t.Run("NegativeTTL", func(t *testing.T) {
		is := is.New(t)
		_, err := c.Incr(ctx, "n", 1, -time.Second)
		is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
		is.Equal(gateway.ErrorCode(c.Set(ctx, "k", nil, -time.Second)), gateway.CodeInvalid)
	})
	t.Run("Extremes", func(t *testing.T) {
		is := is.New(t)
		n, err := c.Incr(ctx, "max", math.MaxInt64, 0)
		is.NoErr(err)
		is.Equal(n, int64(math.MaxInt64))
		n, err = c.Incr(ctx, "min", math.MinInt64, 0)
		is.NoErr(err)
		is.Equal(n, int64(math.MinInt64))
	})
}

func TestTTLRoundsUp(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	c := open(t)
	is.NoErr(c.Set(ctx, "k", []byte("v"), time.Microsecond)) // PX 0 would be an error
	_, err := c.Incr(ctx, "n", 1, time.Microsecond)
	is.NoErr(err)
}

func TestPing(t *testing.T) {
	is := is.New(t)
	c := open(t)
	is.NoErr(c.Ping(t.Context()))
	c.Close()
	err := c.Ping(t.Context())
	is.Equal(gateway.ErrorCode(err), gateway.CodeUnavailable) // after Close
	_, err = c.Get(t.Context(), "k")
	is.Equal(gateway.ErrorCode(err), gateway.CodeUnavailable)
	c.Close() // twice is fine
}

func TestNewURL(t *testing.T) {
	is := is.New(t)
	addr := testAddr()
	if !strings.Contains(addr, "://") {
		addr = "redis://" + addr + "/0"
	}
	prefix := newPrefix()
	c, err := redis.New(redis.Config{Addr: addr, Prefix: prefix})
	is.NoErr(err)
	t.Cleanup(func() {
		c.Close()
		purge(t, prefix)
	})
	is.NoErr(c.Ping(t.Context()))
	is.NoErr(c.Set(t.Context(), "k", []byte("v"), time.Minute))
	got, err := c.Get(t.Context(), "k")
	is.NoErr(err)
	is.Equal(string(got), "v")
}

func TestNewFails(t *testing.T) {
	for _, tc := range []struct {
		name, addr string
	}{
		{"Unreachable", "127.0.0.1:1"},
		{"UnreachableURL", "redis://:s3cret@127.0.0.1:1/0"},
		{"BadScheme", "http://:s3cret@127.0.0.1:6379"},
		{"BadDB", "redis://:s3cret@127.0.0.1:6379/x"},
		{"BadURL", "redis://:s3cret@127.0.0.1:port/0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := redis.New(redis.Config{Addr: tc.addr})
			if err == nil {
				c.Close()
				t.Fatalf("New(%q) = nil error", tc.addr)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("New(%q) error %q shows the password", tc.addr, err)
			}
		})
	}
}

// BenchmarkIncr measures one Incr, one caller at a time and many at once
// (rueidis pipelines concurrent calls on shared connections).
func BenchmarkIncr(b *testing.B) {
	c := open(b)
	ctx := context.Background()
	b.Run("Single", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Incr(ctx, "single", 1, time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		b.SetParallelism(8) // callers per CPU: they wait on the network, not the CPU
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Incr(ctx, "parallel", 1, time.Minute); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
