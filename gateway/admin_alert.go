package gateway

import (
	"context"
	"time"
)

// DefaultAlertCooldown is how long after its last sighting an alert
// absorbs new reports of the same fingerprint instead of opening another.
const DefaultAlertCooldown = 5 * time.Minute

// ReportAlert records a sighting of a: an open (or acknowledged) alert
// with the same fingerprint seen within the cooldown is updated, else a
// new alert opens and is handed to the Notifier, off the caller's path.
// Severity defaults to warning and the fingerprint to Type and Subject.
// CodeInvalid if Type or Title is missing or Severity unknown.
func (a *Admin) ReportAlert(ctx context.Context, al *Alert) (*Alert, bool, error) {
	switch {
	case al.Type == "":
		return nil, false, Invalid("type", "type is required")
	case al.Title == "":
		return nil, false, Invalid("title", "title is required")
	}
	if al.Severity == "" {
		al.Severity = SeverityWarning
	}
	switch al.Severity {
	case SeverityInfo, SeverityWarning, SeverityCritical:
	default:
		return nil, false, Invalid("severity", "severity must be info, warning or critical")
	}
	if al.Fingerprint == "" {
		al.Fingerprint = al.Type + "|" + al.Subject
	}
	now := a.g.clock.Now()
	al.ID = a.g.ids.NewID("alt_")
	al.Status = AlertOpen
	al.FirstSeen, al.LastSeen, al.Count = now, now, 1
	cooldown := a.g.cfg.AlertCooldown
	if cooldown <= 0 {
		cooldown = DefaultAlertCooldown
	}
	stored, opened, err := a.g.store.ReportAlert(ctx, al, now, cooldown)
	if err != nil {
		return nil, false, err
	}
	if opened && a.g.cfg.Notifier != nil {
		go a.deliver(*stored)
	}
	return stored, opened, nil
}

// deliver hands an alert to the Notifier and, when it reports per
// notifier, stores the outcomes on the alert.
func (a *Admin) deliver(al Alert) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, ok := a.g.cfg.Notifier.(Deliverer)
	if !ok {
		if err := a.g.cfg.Notifier.Notify(ctx, al); err != nil {
			a.g.cfg.Logger.Error("alert not delivered", "alert", al.ID, "type", al.Type, "err", err)
		}
		return
	}
	ds := d.Deliver(ctx, al)
	for _, o := range ds {
		if o.Err != "" {
			a.g.cfg.Logger.Error("alert not delivered", "alert", al.ID, "type", al.Type, "notifier", o.Notifier,
				"attempts", o.Attempts, "err", o.Err)
		}
	}
	if len(ds) == 0 {
		return
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := a.g.store.AddAlertDeliveries(sctx, al.ID, ds); err != nil {
		a.g.cfg.Logger.Error("alert deliveries not stored", "alert", al.ID, "err", err)
	}
}

// Alert returns an alert. CodeNotFound if there is none.
func (a *Admin) Alert(ctx context.Context, id string) (*Alert, error) {
	return a.g.store.GetAlert(ctx, id)
}

// Alerts returns the alerts that match f, last seen first.
func (a *Admin) Alerts(ctx context.Context, f AlertFilter) ([]*Alert, error) {
	return a.g.store.ListAlerts(ctx, f)
}

// SetAlertStatus acknowledges, resolves or dismisses an alert (or opens it
// again). CodeInvalid for an unknown status; CodeNotFound if there is none.
func (a *Admin) SetAlertStatus(ctx context.Context, id string, status AlertStatus) (*Alert, error) {
	switch status {
	case AlertOpen, AlertAcknowledged, AlertResolved, AlertDismissed:
	default:
		return nil, Invalid("status", "status must be open, acknowledged, resolved or dismissed")
	}
	return a.g.store.SetAlertStatus(ctx, id, status)
}

// AlertCounts returns how many alerts there are by status and severity.
func (a *Admin) AlertCounts(ctx context.Context) ([]AlertCount, error) {
	return a.g.store.CountAlerts(ctx)
}

// AlertThresholds returns the detectors' thresholds in force.
func (a *Admin) AlertThresholds(ctx context.Context) (AlertThresholds, error) {
	s, err := a.Settings(ctx)
	if err != nil {
		return AlertThresholds{}, err
	}
	return s.Alerts, nil
}

// PutAlertThresholds replaces the detectors' thresholds, keeping the other
// settings, and applies them on every instance. CodeInvalid for a bad
// field.
func (a *Admin) PutAlertThresholds(ctx context.Context, t AlertThresholds) (AlertThresholds, error) {
	s, err := a.Settings(ctx)
	if err != nil {
		return AlertThresholds{}, err
	}
	s.Alerts = t
	s, err = a.PutSettings(ctx, s)
	if err != nil {
		return AlertThresholds{}, err
	}
	return s.Alerts, nil
}
