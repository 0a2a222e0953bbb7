package gatewaytest

import (
	"fmt"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// cooldown is the cooldown the alert suites report with.
const cooldown = 5 * time.Minute

// newAlert returns an open alert seen once at seen, as a caller of
// ReportAlert prepares it.
func newAlert(id, fingerprint string, seen time.Time) *gateway.Alert {
	return &gateway.Alert{
		ID: id, Type: "error_rate", Severity: gateway.SeverityWarning, Status: gateway.AlertOpen,
		Title: "Errors on " + fingerprint, Message: "5xx rate above threshold", Subject: "provider:prv_1",
		Details:     gateway.AlertDetails{Metric: "error_rate", Value: 0.25, Threshold: 0.1, Window: 5 * time.Minute},
		Fingerprint: fingerprint, FirstSeen: seen, LastSeen: seen, Count: 1,
	}
}

// report calls ReportAlert and fails the test on an error.
func report(t *testing.T, s gateway.Store, a *gateway.Alert, now time.Time) (*gateway.Alert, bool) {
	t.Helper()
	got, opened, err := s.ReportAlert(t.Context(), a, now, cooldown)
	if err != nil {
		t.Fatalf("ReportAlert(%s): %v", a.ID, err)
	}
	return got, opened
}

// normAlert makes an alert comparable with ==.
func normAlert(a *gateway.Alert) gateway.Alert {
	c := *a
	c.FirstSeen, c.LastSeen = normTime(c.FirstSeen), normTime(c.LastSeen)
	return c
}

// alertIDs lists the IDs of the alerts that match f.
func alertIDs(t *testing.T, s gateway.Store, f gateway.AlertFilter) []string {
	t.Helper()
	as, err := s.ListAlerts(t.Context(), f)
	if err != nil {
		t.Fatalf("ListAlerts: %v", err)
	}
	ids := make([]string, 0, len(as))
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return ids
}

func testAlerts(t *testing.T, newStore storeFactory) {
	run(t, "AddDeliveries", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		report(t, s, newAlert("alt_1", "fp", at(0)), at(0))
		first := []gateway.AlertDelivery{
			{Notifier: "slack", Attempts: 1, At: at(1).In(elsewhere)},
			{Notifier: "webhook", Attempts: 4, Err: "status 503", At: at(2)},
		}
		is.NoErr(s.AddAlertDeliveries(t.Context(), "alt_1", first))
		got, err := s.GetAlert(t.Context(), "alt_1")
		is.NoErr(err)
		is.Equal(len(got.Deliveries), 2)
		for i, d := range got.Deliveries {
			d.At = normTime(d.At)
			want := first[i]
			want.At = normTime(want.At)
			is.Equal(d, want) // every field round-trips, in order
		}
		more := make([]gateway.AlertDelivery, gateway.MaxAlertDeliveries)
		for i := range more {
			more[i] = gateway.AlertDelivery{Notifier: fmt.Sprint("n", i), Attempts: 1, At: at(10)}
		}
		is.NoErr(s.AddAlertDeliveries(t.Context(), "alt_1", more))
		got, err = s.GetAlert(t.Context(), "alt_1")
		is.NoErr(err)
		is.Equal(len(got.Deliveries), gateway.MaxAlertDeliveries) // the oldest go
		is.Equal(got.Deliveries[0].Notifier, "n0")
		is.Equal(got.Deliveries[gateway.MaxAlertDeliveries-1].Notifier, fmt.Sprint("n", gateway.MaxAlertDeliveries-1))
		err = s.AddAlertDeliveries(t.Context(), "alt_missing", first)
		is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound)
	})
	run(t, "ReportOpens", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		a := newAlert("alt_1", "fp", at(0).In(elsewhere))
		a.Details.Value = 0.123456789
		want := normAlert(a)
		got, opened := report(t, s, a, at(0))
		is.True(opened)
		is.Equal(normAlert(got), want)
		stored, err := s.GetAlert(t.Context(), "alt_1")
		is.NoErr(err)
		is.Equal(normAlert(stored), want) // every field round-trips
	})
	run(t, "ReportWithinCooldownUpdates", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		report(t, s, newAlert("alt_1", "fp", at(0)), at(0))
		b := newAlert("alt_2", "fp", at(60))
		b.Severity, b.Title, b.Message = gateway.SeverityCritical, "worse", "much worse"
		b.Details = gateway.AlertDetails{Metric: "error_rate", Value: 0.5, Threshold: 0.2, Window: time.Minute}
		got, opened := report(t, s, b, at(60))
		is.True(!opened)
		want := normAlert(newAlert("alt_1", "fp", at(0)))
		want.LastSeen, want.Count = normTime(at(60)), 2
		want.Severity, want.Title, want.Message, want.Details = gateway.SeverityCritical, "worse", "much worse", b.Details
		is.Equal(normAlert(got), want)
		stored, err := s.GetAlert(t.Context(), "alt_1")
		is.NoErr(err)
		is.Equal(normAlert(stored), want)
		_, err = s.GetAlert(t.Context(), "alt_2")
		is.Equal(codeOf(err), gateway.CodeNotFound) // no second alert

		c := newAlert("alt_3", "fp", at(120))
		c.Severity = gateway.SeverityInfo
		got, opened = report(t, s, c, at(120))
		is.True(!opened)
		is.Equal(got.ID, "alt_1")
		is.Equal(got.Count, int64(3))
		is.Equal(got.Severity, gateway.SeverityCritical) // never lowered
		is.Equal(normTime(got.FirstSeen), normTime(at(0)))
	})
	run(t, "ReportAfterCooldownOpens", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		report(t, s, newAlert("alt_1", "fp", at(0)), at(0))
		later := at(0).Add(cooldown + time.Second)
		got, opened := report(t, s, newAlert("alt_2", "fp", later), later)
		is.True(opened)
		is.Equal(got.ID, "alt_2")
		is.Equal(got.Count, int64(1))
		first, err := s.GetAlert(t.Context(), "alt_1")
		is.NoErr(err)
		is.Equal(first.Count, int64(1)) // untouched
		// The next sighting updates the newer alert.
		got, opened = report(t, s, newAlert("alt_3", "fp", later.Add(time.Second)), later.Add(time.Second))
		is.True(!opened)
		is.Equal(got.ID, "alt_2")
		is.Equal(got.Count, int64(2))
	})
	run(t, "ReportOtherFingerprintOpens", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		report(t, s, newAlert("alt_1", "fp", at(0)), at(0))
		got, opened := report(t, s, newAlert("alt_2", "other", at(1)), at(1))
		is.True(opened)
		is.Equal(got.ID, "alt_2")
	})
	for _, status := range []gateway.AlertStatus{gateway.AlertResolved, gateway.AlertDismissed} {
		run(t, "ReportAfter"+string(status)+"Opens", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
			report(t, s, newAlert("alt_1", "fp", at(0)), at(0))
			_, err := s.SetAlertStatus(t.Context(), "alt_1", status)
			is.NoErr(err)
			got, opened := report(t, s, newAlert("alt_2", "fp", at(10)), at(10))
			is.True(opened)
			is.Equal(got.ID, "alt_2")
			is.Equal(got.Status, gateway.AlertOpen)
			first, err := s.GetAlert(t.Context(), "alt_1")
			is.NoErr(err)
			is.Equal(first.Status, status)
			is.Equal(first.Count, int64(1))
		})
	}
	run(t, "ReportAcknowledgedUpdates", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		report(t, s, newAlert("alt_1", "fp", at(0)), at(0))
		_, err := s.SetAlertStatus(t.Context(), "alt_1", gateway.AlertAcknowledged)
		is.NoErr(err)
		got, opened := report(t, s, newAlert("alt_2", "fp", at(10)), at(10))
		is.True(!opened)
		is.Equal(got.ID, "alt_1")
		is.Equal(got.Status, gateway.AlertAcknowledged) // still acknowledged
		is.Equal(got.Count, int64(2))
	})
	run(t, "ReportConcurrent", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		var opened [20]bool
		errs := race(20, func(i int) error {
			var err error
			_, opened[i], err = s.ReportAlert(t.Context(), newAlert(fmt.Sprintf("alt_%02d", i), "fp", at(i)), at(i), cooldown)
			return err
		})
		n := 0
		for i, err := range errs {
			is.NoErr(err)
			if opened[i] {
				n++
			}
		}
		is.Equal(n, 1) // exactly one report opens the alert
		all, err := s.ListAlerts(t.Context(), gateway.AlertFilter{})
		is.NoErr(err)
		is.Equal(len(all), 1)
		is.Equal(all[0].Count, int64(20))
	})
	run(t, "GetErrNotFound", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		report(t, s, newAlert("alt_1", "fp", at(0)), at(0))
		_, err := s.GetAlert(t.Context(), "alt_2")
		is.Equal(codeOf(err), gateway.CodeNotFound)
	})
	run(t, "ListOrderAndFilters", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		is.Equal(len(alertIDs(t, s, gateway.AlertFilter{})), 0)
		mk := func(id string, sec int, typ string, sev gateway.Severity) {
			a := newAlert(id, id, at(sec))
			a.Type, a.Severity = typ, sev
			report(t, s, a, at(sec))
		}
		mk("alt_1", 1, "error_rate", gateway.SeverityWarning)
		mk("alt_2", 3, "traffic_spike", gateway.SeverityCritical)
		mk("alt_3", 3, "error_rate", gateway.SeverityCritical) // same LastSeen as alt_2
		mk("alt_4", 2, "low_balance", gateway.SeverityInfo)
		_, err := s.SetAlertStatus(t.Context(), "alt_2", gateway.AlertResolved)
		is.NoErr(err)
		is.Equal(alertIDs(t, s, gateway.AlertFilter{}), []string{"alt_3", "alt_2", "alt_4", "alt_1"})
		is.Equal(alertIDs(t, s, gateway.AlertFilter{Status: gateway.AlertOpen}), []string{"alt_3", "alt_4", "alt_1"})
		is.Equal(alertIDs(t, s, gateway.AlertFilter{Severity: gateway.SeverityCritical}), []string{"alt_3", "alt_2"})
		is.Equal(alertIDs(t, s, gateway.AlertFilter{Type: "error_rate"}), []string{"alt_3", "alt_1"})
		is.Equal(alertIDs(t, s, gateway.AlertFilter{Status: gateway.AlertOpen, Severity: gateway.SeverityCritical, Type: "error_rate"}),
			[]string{"alt_3"})
		is.Equal(alertIDs(t, s, gateway.AlertFilter{Limit: 2}), []string{"alt_3", "alt_2"})
		is.Equal(len(alertIDs(t, s, gateway.AlertFilter{Status: gateway.AlertDismissed})), 0)
	})
	run(t, "ListDefaultLimit", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		for i := range 101 {
			id := fmt.Sprintf("alt_%03d", i)
			report(t, s, newAlert(id, id, at(i)), at(i))
		}
		ids := alertIDs(t, s, gateway.AlertFilter{})
		is.Equal(len(ids), 100)
		is.Equal(ids[0], "alt_100")
		is.Equal(ids[99], "alt_001")
	})
	run(t, "SetStatus", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		report(t, s, newAlert("alt_1", "fp", at(0)), at(0))
		got, err := s.SetAlertStatus(t.Context(), "alt_1", gateway.AlertAcknowledged)
		is.NoErr(err)
		want := normAlert(newAlert("alt_1", "fp", at(0)))
		want.Status = gateway.AlertAcknowledged
		is.Equal(normAlert(got), want)
		stored, err := s.GetAlert(t.Context(), "alt_1")
		is.NoErr(err)
		is.Equal(normAlert(stored), want)
		_, err = s.SetAlertStatus(t.Context(), "alt_2", gateway.AlertResolved)
		is.Equal(codeOf(err), gateway.CodeNotFound)
	})
	run(t, "Count", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		counts, err := s.CountAlerts(t.Context())
		is.NoErr(err)
		is.Equal(len(counts), 0)
		mk := func(id string, sev gateway.Severity, status gateway.AlertStatus) {
			a := newAlert(id, id, at(0))
			a.Severity = sev
			report(t, s, a, at(0))
			if status != gateway.AlertOpen {
				_, err := s.SetAlertStatus(t.Context(), id, status)
				is.NoErr(err)
			}
		}
		mk("alt_1", gateway.SeverityWarning, gateway.AlertOpen)
		mk("alt_2", gateway.SeverityWarning, gateway.AlertOpen)
		mk("alt_3", gateway.SeverityCritical, gateway.AlertOpen)
		mk("alt_4", gateway.SeverityInfo, gateway.AlertResolved)
		mk("alt_5", gateway.SeverityCritical, gateway.AlertAcknowledged)
		counts, err = s.CountAlerts(t.Context())
		is.NoErr(err)
		// By status, then severity, each as text.
		is.Equal(counts, []gateway.AlertCount{
			{Status: gateway.AlertAcknowledged, Severity: gateway.SeverityCritical, Count: 1},
			{Status: gateway.AlertOpen, Severity: gateway.SeverityCritical, Count: 1},
			{Status: gateway.AlertOpen, Severity: gateway.SeverityWarning, Count: 2},
			{Status: gateway.AlertResolved, Severity: gateway.SeverityInfo, Count: 1},
		})
	})
	run(t, "ReturnsCopy", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		in := newAlert("alt_1", "fp", at(0))
		want := normAlert(newAlert("alt_1", "fp", at(0)))
		got, _ := report(t, s, in, at(0))
		in.Title, in.Details.Value, in.Count = "changed", 99, 99 // changing the argument does not change the Store
		got.Title, got.Details.Value, got.Count = "changed too", 98, 98
		stored, err := s.GetAlert(t.Context(), "alt_1")
		is.NoErr(err)
		is.Equal(normAlert(stored), want)
		stored.Title = "changed again"
		listed, err := s.ListAlerts(t.Context(), gateway.AlertFilter{})
		is.NoErr(err)
		is.Equal(normAlert(listed[0]), want)
		listed[0].Title = "changed once more"
		set, err := s.SetAlertStatus(t.Context(), "alt_1", gateway.AlertOpen)
		is.NoErr(err)
		is.Equal(normAlert(set), want)
		set.Title = "and again"
		stored, err = s.GetAlert(t.Context(), "alt_1")
		is.NoErr(err)
		is.Equal(normAlert(stored), want)
	})
}
