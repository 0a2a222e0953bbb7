package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

// breakerOptions trip after 4 requests half of which failed, stay open a
// second, and let one probe through.
var breakerOptions = map[string]string{"breaker_min_requests": "4", "breaker_failure_percent": "50",
	"breaker_open_seconds": "1", "breaker_probes": "1"}

func (f *fixture) breakerProvider(t *testing.T, name string, models []string) *gateway.Provider {
	t.Helper()
	p := f.provider(t, name, models, 1)
	opts := breakerOptions
	if _, err := f.admin.UpdateProvider(context.Background(), p.ID, gateway.ProviderUpdate{Options: &opts}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBreakerOpensSkipsAndCloses(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	f.breakerProvider(t, "flaky", []string{"m"})
	c := f.caller(t, gateway.KeySpec{})
	up := f.fakes.get("flaky")
	failed := upstreamErr(gateway.CodeUpstream, 503, false)

	up.fail(failed, failed, failed, failed)
	for range 4 {
		_, err := f.gw.Chat(ctx, again(c), userChat("m", "hi"))
		is.Equal(gateway.ErrorCode(err), gateway.CodeUpstream)
	}
	calls := len(up.callLog())
	_, err := f.gw.Chat(ctx, again(c), userChat("m", "hi"))
	e := gateway.AsError(err)
	is.Equal(e.Code, gateway.CodeUnavailable) // open: refused at once
	is.Equal(e.Type, "circuit_open")
	is.Equal(len(up.callLog()), calls) // and the upstream was not called
	st, err := f.admin.Breaker("flaky")
	is.NoErr(err)
	is.Equal(st.State, "open")
	is.True(st.RetryIn > 0)

	time.Sleep(1100 * time.Millisecond) // the open time passes: one probe goes, and succeeds
	_, err = f.gw.Chat(ctx, again(c), userChat("m", "hi"))
	is.NoErr(err)
	st, _ = f.admin.Breaker("flaky")
	is.Equal(st.State, "closed")
}

func TestBreakerFailsOverToTheNextProvider(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	f.breakerProvider(t, "a-flaky", []string{"m"})
	f.provider(t, "b-steady", []string{"m"}, 1)
	c := f.caller(t, gateway.KeySpec{})
	failed := upstreamErr(gateway.CodeUpstream, 503, false)
	f.fakes.get("a-flaky").fail(failed, failed, failed, failed)
	for range 4 {
		resp, err := f.gw.Chat(ctx, again(c), userChat("m", "hi"))
		is.NoErr(err)
		is.Equal(resp.Choices[0].Message.Content.Text(), "hi from b-steady") // failed over
	}
	before := len(f.fakes.get("a-flaky").callLog())
	resp, err := f.gw.Chat(ctx, again(c), userChat("m", "hi"))
	is.NoErr(err)
	is.Equal(resp.Choices[0].Message.Content.Text(), "hi from b-steady")
	is.Equal(len(f.fakes.get("a-flaky").callLog()), before) // skipped while open
}

func TestBreakerIgnoresTheClientsFaults(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	f.breakerProvider(t, "strict", []string{"m"})
	c := f.caller(t, gateway.KeySpec{})
	bad := upstreamErr(gateway.CodeInvalid, 400, false)
	up := f.fakes.get("strict")
	up.fail(bad, bad, bad, bad, bad, bad)
	for range 6 {
		_, err := f.gw.Chat(context.Background(), again(c), userChat("m", "hi"))
		is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
	}
	st, _ := f.admin.Breaker("strict")
	is.Equal(st.State, "closed") // a 400 is the request's fault, not the provider's
	is.Equal(st.Requests, int64(0))
}

// Two gateways share a Store and a Cache, as two instances share
// PostgreSQL and Redis: failures split between them trip both, and a
// reset on one closes both.
func TestBreakerSharedAcrossInstances(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	store, cache := memory.NewStore(), memory.NewCache(nil)
	t.Cleanup(cache.Close)
	fk := &fakes{ups: map[string]*fakeUpstream{}}
	h, _ := gateway.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	open := func() *gateway.Gateway {
		rec := gateway.NewRecorder(gateway.RecorderConfig{}, store)
		t.Cleanup(func() { _ = rec.Close(ctx) })
		g := gateway.New(gateway.Config{}, store, cache, gateway.Drivers{"fake": fk}, h, gateway.SystemClock{}, &gatewaytest.IDs{}, rec)
		is.NoErr(g.Start(ctx))
		t.Cleanup(func() { _ = g.Close() })
		return g
	}
	a, b := open(), open()
	adminA := gateway.NewAdmin(a)
	p, err := adminA.CreateProvider(ctx, &gateway.Provider{Name: "shared", Type: "fake", Models: []string{"m"}, Options: breakerOptions})
	is.NoErr(err)
	_, err = adminA.AddCredentials(ctx, p.ID, []*gateway.Credential{{Secret: "sk", Weight: 1}})
	is.NoErr(err)
	acct, err := adminA.CreateAccount(ctx, &gateway.Account{Name: "x"})
	is.NoErr(err)
	_, secret, err := adminA.IssueKey(ctx, acct.ID, gateway.KeySpec{}, gateway.IssuedByAdmin)
	is.NoErr(err)
	is.NoErr(b.Reload(ctx))
	failed := upstreamErr(gateway.CodeUpstream, 503, false)
	fk.get("shared").fail(failed, failed, failed, failed)
	chat := func(g *gateway.Gateway) error {
		c, err := g.Authenticate(secret, "127.0.0.1")
		is.NoErr(err)
		_, err = g.Chat(ctx, c, userChat("m", "hi"))
		return err
	}
	for i := range 2 { // two failures each: neither instance has four
		is.Equal(gateway.ErrorCode(chat(a)), gateway.CodeUpstream)
		is.Equal(gateway.ErrorCode(chat(b)), gateway.CodeUpstream)
		if i == 0 {
			time.Sleep(600 * time.Millisecond) // the first two reach the shared figures
		}
	}
	adminB := gateway.NewAdmin(b)
	state := func(admin *gateway.Admin) string {
		st, err := admin.Breaker("shared")
		is.NoErr(err)
		return st.State
	}
	is.True(within(settle, func() bool { return state(adminA) == "open" && state(adminB) == "open" })) // open on both
	is.Equal(gateway.AsError(chat(a)).Type, "circuit_open")
	is.Equal(gateway.AsError(chat(b)).Type, "circuit_open")
	_, err = adminA.ResetBreaker(ctx, "shared")
	is.NoErr(err)
	is.True(within(settle, func() bool { return chat(a) == nil && chat(b) == nil })) // closed on both
}

// settle is how long a test waits for what one instance did to reach
// another. It happens within a flush or two (250 ms each) or a pub/sub
// message; the deadline is loose because CI runs every package at once
// on two cores, and a change that never arrives fails it all the same.
const settle = 5 * time.Second

// within polls cond for up to d.
func within(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An open breaker opens a critical alert; once it closes, the alert is
// resolved.
func TestBreakerAlert(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	f.breakerProvider(t, "flaky", []string{"m"})
	c := f.caller(t, gateway.KeySpec{})
	failed := upstreamErr(gateway.CodeUpstream, 503, false)
	f.fakes.get("flaky").fail(failed, failed, failed, failed)
	for range 4 {
		_, _ = f.gw.Chat(ctx, again(c), userChat("m", "hi"))
	}
	f.clock.Advance(time.Minute)
	as := f.detected(t, gateway.AlertBreakerOpen)
	is.Equal(len(as), 1)
	is.Equal(as[0].Severity, gateway.SeverityCritical)
	_, err := f.admin.ResetBreaker(ctx, "flaky")
	is.NoErr(err)
	f.clock.Advance(time.Minute)
	as = f.detected(t, gateway.AlertBreakerOpen)
	is.Equal(as[0].Status, gateway.AlertResolved)
}

func TestSummaryCountsOpenBreakers(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	f.breakerProvider(t, "flaky", []string{"m"})
	c := f.caller(t, gateway.KeySpec{})
	failed := upstreamErr(gateway.CodeUpstream, 503, false)
	f.fakes.get("flaky").fail(failed, failed, failed, failed)
	for range 4 {
		_, _ = f.gw.Chat(ctx, again(c), userChat("m", "hi"))
	}
	sum, err := f.admin.Summary(ctx, time.Time{}, time.Time{})
	is.NoErr(err)
	is.Equal(sum.OpenBreakers, 1)
	is.Equal(sum.HealthyCredentials, 1)
}
