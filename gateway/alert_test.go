package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

// A new alert is delivered once; reports folded into it are not; after
// the cooldown a new one opens and is delivered.
func TestReportAlertNotifiesOnOpen(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	notifier := &gatewaytest.Notifier{}
	f := newFixtureWith(t, gateway.Config{Notifier: notifier, AlertCooldown: time.Minute})
	ctx := context.Background()
	report := func() (*gateway.Alert, bool) {
		a, opened, err := f.admin.ReportAlert(ctx, &gateway.Alert{Type: "spill", Title: "Request records are spilling", Subject: "instance:a"})
		is.NoErr(err)
		return a, opened
	}
	first, opened := report()
	is.True(opened)
	is.Equal(first.Severity, gateway.SeverityWarning) // the default
	is.Equal(first.Fingerprint, "spill|instance:a")   // type and subject
	f.clock.Advance(30 * time.Second)
	again, opened := report()
	is.True(!opened)
	is.Equal(again.ID, first.ID)
	is.Equal(again.Count, int64(2))
	f.clock.Advance(2 * time.Minute)
	third, opened := report()
	is.True(opened)
	is.True(third.ID != first.ID)

	deadline := time.Now().Add(5 * time.Second)
	for len(notifier.Alerts()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	sent := notifier.Alerts()
	is.Equal(len(sent), 2) // the two that opened, not the folded report
	_, _, err := f.admin.ReportAlert(ctx, &gateway.Alert{Type: "x", Title: "t", Severity: "loud"})
	is.Equal(gateway.AsError(err).Field, "severity")
}

// twoChannels delivers to "ok" and fails on "down", as a Router would
// report it.
type twoChannels struct{ gatewaytest.Notifier }

func (n *twoChannels) Deliver(ctx context.Context, a gateway.Alert) []gateway.AlertDelivery {
	_ = n.Notify(ctx, a)
	return []gateway.AlertDelivery{{Notifier: "ok", Attempts: 1, At: t0}, {Notifier: "down", Attempts: 4, Err: "status 503", At: t0}}
}

// A Deliverer's outcomes are stored on the alert it delivered.
func TestReportAlertStoresDeliveries(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixtureWith(t, gateway.Config{Notifier: &twoChannels{}})
	ctx := context.Background()
	a, _, err := f.admin.ReportAlert(ctx, &gateway.Alert{Type: "x", Title: "t"})
	is.NoErr(err)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := f.admin.Alert(ctx, a.ID)
		is.NoErr(err)
		if len(got.Deliveries) == 2 || time.Now().After(deadline) {
			is.Equal(got.Deliveries, []gateway.AlertDelivery{
				{Notifier: "ok", Attempts: 1, At: t0}, {Notifier: "down", Attempts: 4, Err: "status 503", At: t0}})
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}
