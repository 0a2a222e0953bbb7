// Package notify routes alerts to notifiers and retries their delivery:
// the one place that decides which notifiers hear of an alert and how
// hard to try, whatever the notifiers are. The notifiers themselves live
// in the packages below it (webhook, slack, email, lognotify) and each
// makes one attempt per call.
package notify

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

var _ gateway.Deliverer = (*Router)(nil)

// DefaultRoute is the routes key for alert types without a route of
// their own.
const DefaultRoute = "*"

// Retry defaults and the cap on any one wait.
const (
	DefaultAttempts = 4
	DefaultBackoff  = time.Second
	MaxBackoff      = 30 * time.Second
)

// Named is a notifier with the name deliveries and errors report.
type Named struct {
	Name string
	gateway.Notifier
}

// RetryOptions say how hard to try each notifier. The zero value gives
// 4 attempts with waits of 1s, 2s and 4s between them.
type RetryOptions struct {
	// Attempts is how many times a notifier is called for one alert, the
	// first call included. Zero or less means DefaultAttempts.
	Attempts int
	// Backoff is the wait after the first failure; each later wait
	// doubles, and none exceeds MaxBackoff. A failure that says when to
	// try again (a *gateway.Error with RetryAfter, as from Slack's 429)
	// waits at least that long, within the same cap. Zero or less means
	// DefaultBackoff.
	Backoff time.Duration
	// Sleep waits d or until ctx is done, returning ctx's error then; a
	// test injects one that records the waits. Nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Clock stamps Delivery.At. Nil means gateway.SystemClock.
	Clock gateway.Clock
}

// Delivery is the outcome of delivering one alert to one notifier
// (Named.Name): the gateway stores it on the alert.
type Delivery = gateway.AlertDelivery

// Router is a gateway.Notifier that hands each alert to the notifiers
// routed for its type, retrying each with backoff. It is safe for
// concurrent use; its routes are fixed at NewRouter.
type Router struct {
	routes   map[string][]Named
	attempts int
	backoff  time.Duration
	sleep    func(context.Context, time.Duration) error
	clock    gateway.Clock
}

// NewRouter returns a Router. routes maps an alert type ("error_rate",
// "low_balance", ...) to the notifiers that receive it; DefaultRoute ("*")
// lists those for types not in the map. A type mapped to an empty list
// goes to no notifier. The notifiers must not be nil; routes is copied.
func NewRouter(routes map[string][]Named, opts RetryOptions) *Router {
	r := &Router{routes: maps.Clone(routes), attempts: opts.Attempts, backoff: opts.Backoff, sleep: opts.Sleep, clock: opts.Clock}
	for k, v := range r.routes {
		r.routes[k] = slices.Clone(v)
	}
	if r.attempts <= 0 {
		r.attempts = DefaultAttempts
	}
	if r.backoff <= 0 {
		r.backoff = DefaultBackoff
	}
	if r.sleep == nil {
		r.sleep = sleep
	}
	if r.clock == nil {
		r.clock = gateway.SystemClock{}
	}
	return r
}

// Notify delivers a through Deliver and returns nil when every routed
// notifier took it (or none is routed), and otherwise an errors.Join of
// one error per notifier that failed every attempt, each naming the
// notifier and wrapping its last error.
func (r *Router) Notify(ctx context.Context, a gateway.Alert) error {
	_, err := r.deliver(ctx, a)
	return err
}

// Deliver hands a to every notifier routed for a.Type (or, when the type
// has no route, for DefaultRoute) at once, retries each on its own until
// it succeeds, its attempts run out or ctx is done, and returns one
// Delivery per notifier, in route order, once all are over.
func (r *Router) Deliver(ctx context.Context, a gateway.Alert) []Delivery {
	ds, _ := r.deliver(ctx, a)
	return ds
}

func (r *Router) deliver(ctx context.Context, a gateway.Alert) ([]Delivery, error) {
	route, ok := r.routes[a.Type]
	if !ok {
		route = r.routes[DefaultRoute]
	}
	ds := make([]Delivery, len(route))
	errs := make([]error, len(route))
	var wg sync.WaitGroup
	for i, n := range route {
		wg.Go(func() {
			var err error
			ds[i], err = r.try(ctx, n, a)
			if err != nil {
				errs[i] = fmt.Errorf("notifier %q failed after %d attempts: %w", n.Name, ds[i].Attempts, err)
			}
		})
	}
	wg.Wait()
	return ds, errors.Join(errs...)
}

// try calls n until it succeeds, the attempts run out or a wait is cut
// short by ctx, and returns the outcome and the last error.
func (r *Router) try(ctx context.Context, n Named, a gateway.Alert) (Delivery, error) {
	d := Delivery{Notifier: n.Name}
	wait := r.backoff
	var err error
	for {
		d.Attempts++
		err = n.Notify(ctx, a)
		if err == nil || d.Attempts >= r.attempts {
			break
		}
		w := wait
		var ge *gateway.Error
		if errors.As(err, &ge) && ge.RetryAfter > w {
			w = ge.RetryAfter
		}
		if r.sleep(ctx, min(w, MaxBackoff)) != nil {
			break
		}
		wait = min(2*wait, MaxBackoff)
	}
	d.At = r.clock.Now()
	if err != nil {
		d.Err = err.Error()
	}
	return d, err
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
