package notify_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/notify"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// notifierFunc is a gateway.Notifier made of a function.
type notifierFunc func(context.Context, gateway.Alert) error

func (f notifierFunc) Notify(ctx context.Context, a gateway.Alert) error { return f(ctx, a) }

// failing fails its first n calls with err, then delivers.
func failing(n int, err error) (gateway.Notifier, *atomic.Int32) {
	var calls atomic.Int32
	return notifierFunc(func(context.Context, gateway.Alert) error {
		if int(calls.Add(1)) <= n {
			return err
		}
		return nil
	}), &calls
}

// sleeps records the waits a Router asks for, without waiting.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func (s *sleeps) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.waits)
}

func opts(s *sleeps) notify.RetryOptions {
	return notify.RetryOptions{Sleep: s.Sleep, Clock: gatewaytest.NewClock(t0)}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	var spike, errs, fallback gatewaytest.Notifier
	r := notify.NewRouter(map[string][]notify.Named{
		"traffic_spike":     {{"spike", &spike}},
		"error_rate":        {{"errs", &errs}, {"spike", &spike}},
		"breaker_open":      {}, // muted
		notify.DefaultRoute: {{"fallback", &fallback}},
	}, opts(&sleeps{}))

	tests := []struct {
		typ  string
		want []string
	}{
		{"traffic_spike", []string{"spike"}},
		{"error_rate", []string{"errs", "spike"}},
		{"breaker_open", nil},
		{"low_balance", []string{"fallback"}},
	}
	for _, tt := range tests {
		is := is.New(t)
		ds := r.Deliver(t.Context(), gateway.Alert{ID: tt.typ, Type: tt.typ})
		var got []string
		for _, d := range ds {
			is.Equal(d.Attempts, 1)
			is.Equal(d.Err, "")
			is.True(d.At.Equal(t0))
			got = append(got, d.Notifier)
		}
		is.Equal(got, tt.want) // deliveries in route order
	}
	is := is.New(t)
	is.Equal(len(spike.Alerts()), 2)
	is.Equal(len(errs.Alerts()), 1)
	is.Equal(fallback.Alerts()[0].Type, "low_balance")

	// No route and no default: nothing to do, nothing failed.
	none := notify.NewRouter(map[string][]notify.Named{"x": {{"spike", &spike}}}, opts(&sleeps{}))
	is.Equal(len(none.Deliver(t.Context(), gateway.Alert{Type: "y"})), 0)
	is.NoErr(none.Notify(t.Context(), gateway.Alert{Type: "y"}))
}

func TestRetryBackoff(t *testing.T) {
	t.Parallel()
	down := errors.New("receiver is down")
	tests := []struct {
		name      string
		opts      notify.RetryOptions
		fails     int
		err       error
		wantWaits []time.Duration
		wantCalls int
		wantErr   bool
	}{
		{name: "defaults, all fail", fails: 99, err: down,
			wantWaits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, wantCalls: 4, wantErr: true},
		{name: "success after a failure", fails: 1, err: down,
			wantWaits: []time.Duration{time.Second}, wantCalls: 2},
		{name: "first try", fails: 0, wantCalls: 1},
		{name: "capped", opts: notify.RetryOptions{Attempts: 5, Backoff: 10 * time.Second}, fails: 99, err: down,
			wantWaits: []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second, 30 * time.Second}, wantCalls: 5, wantErr: true},
		{name: "one attempt", opts: notify.RetryOptions{Attempts: 1}, fails: 99, err: down, wantCalls: 1, wantErr: true},
		{name: "retry after", fails: 2, err: &gateway.Error{Code: gateway.CodeUpstream, Status: 429, RetryAfter: 3 * time.Second},
			wantWaits: []time.Duration{3 * time.Second, 3 * time.Second}, wantCalls: 3},
		{name: "retry after capped", opts: notify.RetryOptions{Attempts: 2}, fails: 1, err: &gateway.Error{Code: gateway.CodeUpstream, RetryAfter: time.Hour},
			wantWaits: []time.Duration{notify.MaxBackoff}, wantCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			s := &sleeps{}
			o := tt.opts
			o.Sleep, o.Clock = s.Sleep, gatewaytest.NewClock(t0)
			n, calls := failing(tt.fails, tt.err)
			r := notify.NewRouter(map[string][]notify.Named{"*": {{"hook", n}}}, o)

			ds := r.Deliver(t.Context(), gateway.Alert{Type: "error_rate"})
			is.Equal(len(ds), 1)
			is.Equal(ds[0].Notifier, "hook")
			is.Equal(ds[0].Attempts, tt.wantCalls)
			is.Equal(int(calls.Load()), tt.wantCalls)
			is.Equal(s.Waits(), tt.wantWaits) // no wait after the last attempt
			is.Equal(ds[0].Err != "", tt.wantErr)
			if tt.wantErr {
				is.Equal(ds[0].Err, tt.err.Error())
			}
		})
	}
}

func TestNotifyJoinsFailures(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	hookErr := errors.New("webhook answered 500")
	slackErr := errors.New("slack answered 404 no_service")
	hook, _ := failing(99, hookErr)
	slack, _ := failing(99, slackErr)
	var logs gatewaytest.Notifier
	r := notify.NewRouter(map[string][]notify.Named{
		"*": {{"ops-webhook", hook}, {"log", &logs}, {"team-slack", slack}},
	}, opts(&sleeps{}))

	err := r.Notify(t.Context(), gateway.Alert{Type: "low_balance"})
	is.True(err != nil)
	is.True(errors.Is(err, hookErr))  // the last errors are wrapped
	is.True(errors.Is(err, slackErr)) // and joined
	msg := err.Error()
	t.Log(msg)
	is.True(strings.Contains(msg, `notifier "ops-webhook" failed after 4 attempts`))
	is.True(strings.Contains(msg, `notifier "team-slack" failed after 4 attempts`))
	is.True(!strings.Contains(msg, `"log"`)) // delivered, so not named
	is.Equal(len(logs.Alerts()), 1)

	ok := notify.NewRouter(map[string][]notify.Named{"*": {{"log", &logs}}}, opts(&sleeps{}))
	is.NoErr(ok.Notify(t.Context(), gateway.Alert{Type: "low_balance"}))
}

func TestParallelDelivery(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	// Each notifier waits until all have been called: delivered one
	// after another, the first would wait forever.
	const n = 3
	var started sync.WaitGroup
	started.Add(n)
	var route []notify.Named
	for i := range n {
		route = append(route, notify.Named{Name: string(rune('a' + i)), Notifier: notifierFunc(func(ctx context.Context, _ gateway.Alert) error {
			started.Done()
			done := make(chan struct{})
			go func() { started.Wait(); close(done) }()
			select {
			case <-done:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})})
	}
	r := notify.NewRouter(map[string][]notify.Named{"*": route}, notify.RetryOptions{Attempts: 1})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	is.NoErr(r.Notify(ctx, gateway.Alert{Type: "traffic_spike"}))
}

func TestRetriesStopWithContext(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	n, calls := failing(99, errors.New("down"))
	r := notify.NewRouter(map[string][]notify.Named{"*": {{"hook", n}}}, notify.RetryOptions{Backoff: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	ds := r.Deliver(ctx, gateway.Alert{})
	is.True(time.Since(start) < 5*time.Second) // the real Sleep ends with ctx
	is.Equal(ds[0].Attempts, 1)
	is.Equal(int(calls.Load()), 1)
	is.Equal(ds[0].Err, "down")
}

func TestRoutesCopied(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	var a, b gatewaytest.Notifier
	routes := map[string][]notify.Named{"*": {{"a", &a}}}
	r := notify.NewRouter(routes, opts(&sleeps{}))
	routes["*"][0] = notify.Named{Name: "b", Notifier: &b}
	routes["x"] = []notify.Named{{"b", &b}}
	is.NoErr(r.Notify(t.Context(), gateway.Alert{Type: "x"}))
	is.Equal(len(a.Alerts()), 1)
	is.Equal(len(b.Alerts()), 0)
}
