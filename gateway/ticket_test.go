package gateway_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// countingCache counts the Cache calls a request makes on its way in and
// out, and can fail Finish, as a Redis that went away mid-request.
type countingCache struct {
	gateway.Cache
	mu         sync.Mutex
	calls      map[string]int
	failFinish bool
}

func (c *countingCache) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[op]++
}

func (c *countingCache) counted() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.calls))
	for k, v := range c.calls {
		out[k] = v
	}
	return out
}

func (c *countingCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = map[string]int{}
}

func (c *countingCache) Take(ctx context.Context, b []gateway.Bucket) (gateway.Admission, error) {
	c.count("Take")
	return c.Cache.Take(ctx, b)
}
func (c *countingCache) Adjust(ctx context.Context, b []gateway.Bucket) error {
	c.count("Adjust")
	return c.Cache.Adjust(ctx, b)
}
func (c *countingCache) Reserve(ctx context.Context, a, id string, amount, limit gateway.Micros, ttl time.Duration) (gateway.Reservation, error) {
	c.count("Reserve")
	return c.Cache.Reserve(ctx, a, id, amount, limit, ttl)
}
func (c *countingCache) Release(ctx context.Context, a, id string) (gateway.Micros, bool, error) {
	c.count("Release")
	return c.Cache.Release(ctx, a, id)
}
func (c *countingCache) HoldFunds(ctx context.Context, a, id string, amount, seed gateway.Micros, ttl time.Duration) (bool, gateway.Funds, error) {
	c.count("HoldFunds")
	return c.Cache.HoldFunds(ctx, a, id, amount, seed, ttl)
}
func (c *countingCache) SettleFunds(ctx context.Context, a, id string, cost, seed gateway.Micros) (gateway.Micros, bool, error) {
	c.count("SettleFunds")
	return c.Cache.SettleFunds(ctx, a, id, cost, seed)
}
func (c *countingCache) Admit(ctx context.Context, t gateway.Ticket) (gateway.Admission, error) {
	c.count("Admit")
	return c.Cache.Admit(ctx, t)
}
func (c *countingCache) Finish(ctx context.Context, t gateway.Ticket, adjust []gateway.Bucket, cost gateway.Micros) (gateway.Micros, bool, error) {
	c.count("Finish")
	c.mu.Lock()
	fail := c.failFinish
	c.mu.Unlock()
	if fail {
		return 0, false, errDown
	}
	return c.Cache.Finish(ctx, t, adjust, cost)
}

// limitedPrepaid is a caller of a prepaid account (see prepaid) whose
// account and key both have request, token and concurrency limits.
func (f *fixture) limitedPrepaid(t *testing.T) *gateway.Caller {
	t.Helper()
	ctx := context.Background()
	c := f.prepaid(t, 1_000_000)
	limits := gateway.Limits{RequestsPerMinute: 100, TokensPerMinute: 1_000_000, Concurrent: 1}
	if _, err := f.admin.UpdateAccount(ctx, c.Account.ID, gateway.AccountUpdate{Limits: &limits}); err != nil {
		t.Fatal(err)
	}
	_, secret, err := f.admin.IssueKey(ctx, c.Account.ID, gateway.KeySpec{Limits: limits}, gateway.IssuedByAdmin)
	if err != nil {
		t.Fatal(err)
	}
	c, err = f.gw.Authenticate(secret, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRequestCostsTwoCacheCalls(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	cc := &countingCache{calls: map[string]int{}}
	f := newFixtureWith(t, gateway.Config{}, func(c gateway.Cache) gateway.Cache { cc.Cache = c; return cc })
	c := f.limitedPrepaid(t)

	cc.reset()
	_, err := f.gw.Chat(context.Background(), c, capped())
	is.NoErr(err)
	es := f.settled(t, c.Account.ID, 1)
	is.Equal(len(es), 1)
	is.Equal(es[0].Amount, gateway.Micros(-2000)) // charged exactly, through Finish
	// Key and account limits, both concurrency leases and the balance's
	// hold: one call in, one call out.
	is.Equal(cc.counted(), map[string]int{"Admit": 1, "Finish": 1})
	is.Equal(c.RateStatus.Requests.Remaining, int64(99))

	// The leases came back: the next request (concurrency 1) gets in.
	_, err = f.gw.Chat(context.Background(), again(c), capped())
	is.NoErr(err)
}

func TestFinishFailingLosesNoCharge(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	cc := &countingCache{calls: map[string]int{}, failFinish: true}
	f := newFixtureWith(t, gateway.Config{}, func(c gateway.Cache) gateway.Cache { cc.Cache = c; return cc })
	c := f.limitedPrepaid(t)

	_, err := f.gw.Chat(context.Background(), c, capped())
	is.NoErr(err)
	es := f.settled(t, c.Account.ID, 1)
	is.Equal(len(es), 1)
	is.Equal(es[0].Amount, gateway.Micros(-2000)) // the biller settled it instead
	is.True(cc.counted()["SettleFunds"] >= 1)
	b, err := f.admin.Balance(context.Background(), c.Account.ID)
	is.NoErr(err)
	is.Equal(b.Held, gateway.Micros(0)) // the settlement removed the hold
}

func TestRefusedTicketTakesNothing(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	c := f.limitedPrepaid(t)
	req := userChat("m", "hi")
	req.Stream = true
	s, err := f.gw.ChatStream(context.Background(), c, req)
	is.NoErr(err) // holds the only lease

	_, err = f.gw.Chat(context.Background(), again(c), capped())
	is.Equal(gateway.ErrorCode(err), gateway.CodeRateLimited)
	b, err := f.admin.Balance(context.Background(), c.Account.ID)
	is.NoErr(err)
	held := b.Held
	drain(t, s)
	f.settled(t, c.Account.ID, 1)
	b, err = f.admin.Balance(context.Background(), c.Account.ID)
	is.NoErr(err)
	is.True(held > 0)                   // the stream's hold only...
	is.Equal(b.Held, gateway.Micros(0)) // ...which its end settled
}
