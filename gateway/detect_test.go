package gateway_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

// detected runs the detectors and returns the alerts of typ, newest first.
func (f *fixture) detected(t *testing.T, typ string) []*gateway.Alert {
	t.Helper()
	if err := f.gw.DetectAlerts(context.Background()); err != nil {
		t.Fatal(err)
	}
	as, err := f.admin.Alerts(context.Background(), gateway.AlertFilter{Type: typ})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func (f *fixture) chats(t *testing.T, c *gateway.Caller, n int, model string) {
	t.Helper()
	for range n {
		_, _ = f.gw.Chat(context.Background(), again(c), userChat(model, "hi"))
	}
}

func TestTrafficSpikeAcrossItsThresholdAndBack(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixtureWith(t, gateway.Config{Alerts: gateway.AlertThresholds{AccountRPM: 3}})
	f.provider(t, "p", []string{"m"}, 1)
	c := f.caller(t, gateway.KeySpec{})

	f.chats(t, c, 2, "m") // under the threshold
	f.clock.Advance(time.Minute)
	is.Equal(len(f.detected(t, gateway.AlertTrafficSpike)), 0)

	f.chats(t, c, 3, "m") // at it: a warning
	f.clock.Advance(time.Minute)
	as := f.detected(t, gateway.AlertTrafficSpike)
	is.Equal(len(as), 1)
	a := as[0]
	is.Equal(a.Severity, gateway.SeverityWarning)
	is.Equal(a.Status, gateway.AlertOpen)
	is.Equal(a.Subject, "account:"+c.Account.ID)
	is.Equal(a.Details, gateway.AlertDetails{Metric: "account_rpm", Value: 3, Threshold: 3, Window: time.Minute})

	f.chats(t, c, 6, "m") // twice it: the same alert, now critical
	f.clock.Advance(time.Minute)
	as = f.detected(t, gateway.AlertTrafficSpike)
	is.Equal(len(as), 1) // deduplicated, not a second alert
	is.Equal(as[0].ID, a.ID)
	is.Equal(as[0].Severity, gateway.SeverityCritical)
	is.Equal(as[0].Count, int64(2))

	f.clock.Advance(time.Minute) // a quiet minute: resolved
	as = f.detected(t, gateway.AlertTrafficSpike)
	is.Equal(len(as), 1)
	is.Equal(as[0].Status, gateway.AlertResolved)
}

func TestTrafficSpikeJudgedOncePerMinute(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixtureWith(t, gateway.Config{Alerts: gateway.AlertThresholds{AccountRPD: 2}})
	f.provider(t, "p", []string{"m"}, 1)
	c := f.caller(t, gateway.KeySpec{})
	f.chats(t, c, 2, "m")
	as := f.detected(t, gateway.AlertTrafficSpike)
	is.Equal(len(as), 1)
	is.Equal(as[0].Details.Metric, "account_rpd") // the day so far counts at once
	// Another instance's run in the same minute finds its turn taken.
	as = f.detected(t, gateway.AlertTrafficSpike)
	is.Equal(as[0].Count, int64(1))
}

func TestGatewayTrafficSpike(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixtureWith(t, gateway.Config{Alerts: gateway.AlertThresholds{GatewayRPS: 1}})
	f.provider(t, "p", []string{"m"}, 1)
	a, b := f.caller(t, gateway.KeySpec{}), f.caller(t, gateway.KeySpec{})
	f.chats(t, a, 30, "m")
	f.chats(t, b, 30, "m") // 60 in a minute, across accounts: 1 per second
	f.clock.Advance(time.Minute)
	as := f.detected(t, gateway.AlertTrafficSpike)
	is.Equal(len(as), 1)
	is.Equal(as[0].Subject, "gateway")
	is.Equal(as[0].Details.Value, 1.0)
}

func TestErrorRateAcrossItsThresholdAndBack(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixtureWith(t, gateway.Config{Alerts: gateway.AlertThresholds{ErrorRatePercent: 25, MinRequests: 4}})
	p := f.provider(t, "p", []string{"m"}, 1)
	c := f.caller(t, gateway.KeySpec{})
	failed := upstreamErr(gateway.CodeUpstream, 500, true) // delivered: no failover, the request fails

	f.fakes.get("p").fail(failed)
	f.chats(t, c, 2, "m") // 1 of 2 failed, but too few to judge
	f.records(t)
	f.clock.Advance(time.Minute)
	is.Equal(len(f.detected(t, gateway.AlertErrorRate)), 0)

	f.fakes.get("p").fail(failed)
	f.chats(t, c, 2, "m") // 2 of 4 failed: 50%, twice the threshold
	f.records(t)
	f.clock.Advance(time.Minute)
	as := f.detected(t, gateway.AlertErrorRate)
	is.Equal(len(as), 1)
	is.Equal(as[0].Subject, "provider:"+p.ID)
	is.Equal(as[0].Severity, gateway.SeverityCritical)
	is.Equal(as[0].Details.Value, 50.0)

	f.clock.Advance(6 * time.Minute) // the failures leave the window
	f.chats(t, c, 4, "m")
	f.records(t)
	f.clock.Advance(time.Minute)
	as = f.detected(t, gateway.AlertErrorRate)
	is.Equal(as[0].Status, gateway.AlertResolved)
}

func TestThresholdsFromSettings(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t) // no thresholds configured: detectors off
	f.provider(t, "p", []string{"m"}, 1)
	c := f.caller(t, gateway.KeySpec{})
	f.chats(t, c, 5, "m")
	is.Equal(len(f.detected(t, gateway.AlertTrafficSpike)), 0)

	_, err := f.admin.PutSettings(ctx, &gateway.Settings{Alerts: gateway.AlertThresholds{ErrorRatePercent: 101}})
	is.Equal(gateway.AsError(err).Field, "error_rate_percent")
	_, err = f.admin.PutSettings(ctx, &gateway.Settings{Alerts: gateway.AlertThresholds{AccountRPD: 5}})
	is.NoErr(err)
	f.clock.Advance(time.Minute)
	as := f.detected(t, gateway.AlertTrafficSpike)
	is.Equal(len(as), 1)
}

// countingSpill holds n records, as a spill file the Store has not
// taken back yet.
type countingSpill struct {
	mu sync.Mutex
	n  int
}

func (s *countingSpill) Put(recs []*gateway.RequestRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n += len(recs)
	return nil
}

func (s *countingSpill) Replay(int, func([]*gateway.RequestRecord) error) (int, error) { return 0, nil }

func (s *countingSpill) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *countingSpill) set(n int) {
	s.mu.Lock()
	s.n = n
	s.mu.Unlock()
}

func TestSpillAlert(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	store, clock := memory.NewStore(), gatewaytest.NewClock(t0)
	cache := memory.NewCache(clock)
	defer cache.Close()
	spill := &countingSpill{}
	rec := gateway.NewRecorder(gateway.RecorderConfig{Interval: time.Hour, Spill: spill}, store)
	h, _ := gateway.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	gw := gateway.New(gateway.Config{Alerts: gateway.AlertThresholds{Spill: true}}, store, cache, gateway.Drivers{}, h, clock, &gatewaytest.IDs{}, rec)
	is.NoErr(gw.Start(ctx))
	defer gw.Close()
	admin := gateway.NewAdmin(gw)
	spilled := func() []*gateway.Alert {
		is.NoErr(gw.DetectAlerts(ctx))
		as, err := admin.Alerts(ctx, gateway.AlertFilter{Type: gateway.AlertSpill})
		is.NoErr(err)
		return as
	}

	spill.set(7)
	as := spilled()
	is.Equal(len(as), 1)
	is.Equal(as[0].Details.Value, 7.0)
	spill.set(0) // written back
	as = spilled()
	is.Equal(as[0].Status, gateway.AlertResolved)
}

func TestLowBalanceAcrossItsThresholdAndBack(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixtureWith(t, gateway.Config{Alerts: gateway.AlertThresholds{LowBalance: 5000}})
	c := f.prepaid(t, 6000)
	f.clock.Advance(time.Minute)
	is.Equal(len(f.detected(t, gateway.AlertLowBalance)), 0)

	_, err := f.gw.Chat(ctx, c, capped()) // 2000: 4000 left
	is.NoErr(err)
	f.settled(t, c.Account.ID, 1)
	f.clock.Advance(time.Minute)
	as := f.detected(t, gateway.AlertLowBalance)
	is.Equal(len(as), 1)
	is.Equal(as[0].Severity, gateway.SeverityWarning)
	is.Equal(as[0].Details.Value, 4000.0)

	_, err = f.admin.Credit(ctx, gateway.Credit{AccountID: c.Account.ID, Kind: gateway.EntryPurchase, Amount: 10_000, Actor: "admin", Reason: "topped up by card"})
	is.NoErr(err)
	f.clock.Advance(time.Minute)
	as = f.detected(t, gateway.AlertLowBalance)
	is.Equal(as[0].Status, gateway.AlertResolved)
}
