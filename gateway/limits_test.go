package gateway_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/gateway"
)

func chatN(f *fixture, c *gateway.Caller, n int) (ok int, last error) {
	for i := 0; i < n; i++ {
		cc := *c
		cc.RequestID = "" // a new request
		_, err := f.gw.Chat(context.Background(), &cc, userChat("m", "hi"))
		if err == nil {
			ok++
		}
		last = err
	}
	return ok, last
}

func TestRequestLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("Key", func(t *testing.T) {
		is := is.New(t)
		f := newFixture(t)
		f.provider(t, "alpha", []string{"m"}, 1)
		c := f.caller(t, gateway.KeySpec{Limits: gateway.Limits{RequestsPerMinute: 3}})
		ok, err := chatN(f, c, 5)
		is.Equal(ok, 3)
		e := gateway.AsError(err)
		is.Equal(e.Code, gateway.CodeRateLimited)
		is.True(strings.Contains(e.Message, "requests per minute on key "+c.Key.ID+" (limit 3)"))
		is.True(e.RetryAfter > 0 && e.RetryAfter <= 20*time.Second) // one request comes back in a third of a minute
		rs := f.records(t)
		is.Equal(rs[0].Code, gateway.CodeRateLimited) // refusals are recorded too
		is.Equal(rs[0].LimitedBy, "requests_per_minute")
	})
	t.Run("AccountSharedByKeys", func(t *testing.T) {
		is := is.New(t)
		f := newFixture(t)
		f.provider(t, "alpha", []string{"m"}, 1)
		acct, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "team", Limits: gateway.Limits{RequestsPerHour: 4}})
		is.NoErr(err)
		var callers []*gateway.Caller
		for range 2 {
			_, secret, err := f.admin.IssueKey(ctx, acct.ID, gateway.KeySpec{}, gateway.IssuedByAdmin)
			is.NoErr(err)
			c, err := f.gw.Authenticate(secret, "127.0.0.1")
			is.NoErr(err)
			callers = append(callers, c)
		}
		a, _ := chatN(f, callers[0], 3)
		b, err := chatN(f, callers[1], 3)
		is.Equal(a+b, 4)
		is.True(strings.Contains(err.Error(), "requests per hour on account "+acct.ID))
	})
	t.Run("Gateway", func(t *testing.T) {
		is := is.New(t)
		f := newFixtureWith(t, gateway.Config{Limits: gateway.Limits{RequestsPerSecond: 2}})
		f.provider(t, "alpha", []string{"m"}, 1)
		ok, err := chatN(f, f.caller(t, gateway.KeySpec{}), 3)
		is.Equal(ok, 2)
		is.True(strings.Contains(err.Error(), "on the gateway"))
	})
	t.Run("ChangedAtRuntime", func(t *testing.T) {
		is := is.New(t)
		f := newFixture(t)
		f.provider(t, "alpha", []string{"m"}, 1)
		k, secret := f.key(t, gateway.KeySpec{})
		c, err := f.gw.Authenticate(secret, "127.0.0.1")
		is.NoErr(err)
		ok, _ := chatN(f, c, 3)
		is.Equal(ok, 3)
		_, err = f.admin.UpdateAccount(ctx, k.AccountID, gateway.AccountUpdate{Limits: &gateway.Limits{RequestsPerDay: 1}})
		is.NoErr(err)
		c, err = f.gw.Authenticate(secret, "127.0.0.1") // the new limit is in the snapshot at once
		is.NoErr(err)
		ok, _ = chatN(f, c, 3)
		is.Equal(ok, 1)
	})
}

func TestTokenLimitsCorrectAfterTheCall(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	f.provider(t, "alpha", []string{"m"}, 1) // every call uses 1500 tokens
	c := f.caller(t, gateway.KeySpec{Limits: gateway.Limits{TokensPerMinute: 2000}})
	small, big := 10, 600
	req := func(max int) *gateway.ChatRequest {
		r := userChat("m", "hi")
		r.MaxTokens = &max
		return r
	}
	_, err := f.gw.Chat(context.Background(), c, req(small))
	is.NoErr(err) // admitted on its estimate, about 11 tokens
	is.Equal(c.RateStatus.Tokens.Limit, int64(2000))
	_, err = f.gw.Chat(context.Background(), c, req(big))
	is.Equal(gateway.ErrorCode(err), gateway.CodeRateLimited) // 2000 - 1500 used < 600
	is.True(strings.Contains(err.Error(), "tokens per minute"))
	_, err = f.gw.Chat(context.Background(), c, req(small))
	is.NoErr(err)
}

func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	f.provider(t, "alpha", []string{"m"}, 1)
	c := f.caller(t, gateway.KeySpec{Limits: gateway.Limits{Concurrent: 1}})
	req := userChat("m", "hi")
	req.Stream = true
	s, err := f.gw.ChatStream(context.Background(), c, req)
	is.NoErr(err)
	cc := *c
	cc.RequestID = ""
	_, err = f.gw.Chat(context.Background(), &cc, userChat("m", "hi"))
	is.Equal(gateway.ErrorCode(err), gateway.CodeRateLimited) // the stream holds the only slot
	is.True(strings.Contains(err.Error(), "concurrent requests"))
	drain(t, s)
	cc = *c
	cc.RequestID = ""
	_, err = f.gw.Chat(context.Background(), &cc, userChat("m", "hi"))
	is.NoErr(err) // the slot came back when the stream ended
}

// failingCache fails every limit operation, as a Redis that went away.
type failingCache struct{ gateway.Cache }

var errDown = errors.New("dial tcp 127.0.0.1:6379: connection refused")

func (failingCache) Take(context.Context, []gateway.Bucket) (gateway.Admission, error) {
	return gateway.Admission{}, errDown
}
func (failingCache) Adjust(context.Context, []gateway.Bucket) error { return errDown }
func (failingCache) Reserve(context.Context, string, string, gateway.Micros, gateway.Micros, time.Duration) (gateway.Reservation, error) {
	return gateway.Reservation{}, errDown
}
func (failingCache) Release(context.Context, string, string) (gateway.Micros, bool, error) {
	return 0, false, errDown
}
func (failingCache) Admit(context.Context, gateway.Ticket) (gateway.Admission, error) {
	return gateway.Admission{}, errDown
}
func (failingCache) Finish(context.Context, gateway.Ticket, []gateway.Bucket, gateway.Micros) (gateway.Micros, bool, error) {
	return 0, false, errDown
}

func TestLimitsWhenTheCacheFails(t *testing.T) {
	t.Parallel()
	t.Run("LocalShare", func(t *testing.T) {
		is := is.New(t)
		fallback := memory.NewCache(nil)
		defer fallback.Close()
		f := newFixtureWith(t, gateway.Config{LimitFallback: fallback, Instances: 2}, func(c gateway.Cache) gateway.Cache { return failingCache{c} })
		f.provider(t, "alpha", []string{"m"}, 1)
		ok, err := chatN(f, f.caller(t, gateway.KeySpec{Limits: gateway.Limits{RequestsPerHour: 10}}), 8)
		is.Equal(ok, 5) // this instance's half of 10
		is.Equal(gateway.ErrorCode(err), gateway.CodeRateLimited)
	})
	t.Run("Refuse", func(t *testing.T) {
		is := is.New(t)
		f := newFixtureWith(t, gateway.Config{}, func(c gateway.Cache) gateway.Cache { return failingCache{c} })
		f.provider(t, "alpha", []string{"m"}, 1)
		_, err := chatN(f, f.caller(t, gateway.KeySpec{Limits: gateway.Limits{RequestsPerHour: 10}}), 1)
		is.Equal(gateway.ErrorCode(err), gateway.CodeUnavailable)
	})
	t.Run("NoLimitsNoCacheCall", func(t *testing.T) {
		is := is.New(t)
		f := newFixtureWith(t, gateway.Config{}, func(c gateway.Cache) gateway.Cache { return failingCache{c} })
		f.provider(t, "alpha", []string{"m"}, 1)
		ok, _ := chatN(f, f.caller(t, gateway.KeySpec{}), 2)
		is.Equal(ok, 2) // a caller without limits never asks the Cache
	})
}
