package gatewaytest

import (
	"context"
	"slices"
	"sync"

	"github.com/tollgate-ai/tollgate/gateway"
)

var _ gateway.Notifier = (*Notifier)(nil)

// Notifier is a recording gateway.Notifier. It keeps every alert it
// delivers, in order, for a test to inspect with Alerts.
//
// The zero value delivers every alert. A Notifier is safe for concurrent
// use, except that Err must be set before the Notifier is shared; use
// SetErr to change it later.
type Notifier struct {
	// Err, when not nil, makes Notify fail with it without recording the
	// alert, as a Notifier whose webhook is down would.
	Err error

	mu     sync.Mutex
	alerts []gateway.Alert
	calls  int
}

// Notify records a and returns nil, or returns Err without recording a.
func (n *Notifier) Notify(_ context.Context, a gateway.Alert) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls++
	if n.Err != nil {
		return n.Err
	}
	n.alerts = append(n.alerts, a)
	return nil
}

// SetErr sets Err while the Notifier may be in use.
func (n *Notifier) SetErr(err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.Err = err
}

// Alerts returns a copy of the alerts delivered so far, oldest first.
func (n *Notifier) Alerts() []gateway.Alert {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.alerts)
}

// Calls returns how many times Notify was called, failed calls included.
func (n *Notifier) Calls() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.calls
}
