package gateway

import (
	"context"
	"time"
)

// AlertFilter selects alerts in ListAlerts. Zero fields match
// everything; Limit 0 means 100.
type AlertFilter struct {
	Status   AlertStatus
	Severity Severity
	Type     string
	Limit    int
}

// AlertCount is how many alerts have a status and severity.
type AlertCount struct {
	Status   AlertStatus
	Severity Severity
	Count    int64
}

// AlertStore keeps alerts.
type AlertStore interface {
	// ReportAlert records a sighting of a at now, atomically: when an
	// alert with a.Fingerprint is open or acknowledged and was last seen
	// within cooldown of now, that alert is updated — LastSeen now, Count
	// plus one, Severity raised to a's if higher, Details, Title and
	// Message replaced — and returned with opened false; otherwise a is
	// stored as a new open alert (its ID, FirstSeen, LastSeen and Count
	// set by the caller) and returned with opened true.
	ReportAlert(ctx context.Context, a *Alert, now time.Time, cooldown time.Duration) (stored *Alert, opened bool, err error)
	// GetAlert returns the alert. CodeNotFound if there is none.
	GetAlert(ctx context.Context, id string) (*Alert, error)
	// ListAlerts returns the alerts that match f, last seen first.
	ListAlerts(ctx context.Context, f AlertFilter) ([]*Alert, error)
	// SetAlertStatus changes an alert's status. CodeNotFound if there is
	// none.
	SetAlertStatus(ctx context.Context, id string, status AlertStatus) (*Alert, error)
	// CountAlerts returns how many alerts there are by status and
	// severity, in status then severity order, leaving out zeros.
	CountAlerts(ctx context.Context) ([]AlertCount, error)
	// AddAlertDeliveries appends delivery outcomes to an alert's, keeping
	// the last MaxAlertDeliveries. CodeNotFound if there is no alert.
	AddAlertDeliveries(ctx context.Context, id string, ds []AlertDelivery) error
}
