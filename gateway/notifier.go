package gateway

import (
	"context"
	"time"
)

// Severity ranks alerts.
type Severity string

// Severities, from least to most urgent.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// AlertStatus is where an alert is in its life.
type AlertStatus string

// Alert statuses: open until someone acknowledges it, and over when it is
// resolved (the cause went away) or dismissed (judged not worth acting on).
const (
	AlertOpen         AlertStatus = "open"
	AlertAcknowledged AlertStatus = "acknowledged"
	AlertResolved     AlertStatus = "resolved"
	AlertDismissed    AlertStatus = "dismissed"
)

// Alert is something an operator should know about. Alerts with the same
// Fingerprint within a cooldown are one alert seen Count times.
type Alert struct {
	ID       string
	Type     string // "traffic_spike", "error_rate", "breaker_open", "low_balance", ...
	Severity Severity
	Status   AlertStatus
	Title    string
	Message  string
	// Subject names what the alert is about ("provider:prv_1").
	Subject string
	Details AlertDetails
	// Fingerprint identifies the alert for deduplication; by default
	// Type and Subject.
	Fingerprint string
	FirstSeen   time.Time
	LastSeen    time.Time
	Count       int64
	// Deliveries are the outcomes of handing the alert to notifiers, in
	// order, the most recent MaxAlertDeliveries.
	Deliveries []AlertDelivery
}

// MaxAlertDeliveries bounds the delivery outcomes an alert keeps.
const MaxAlertDeliveries = 50

// KeepDeliveries returns the last MaxAlertDeliveries of ds, for stores.
func KeepDeliveries(ds []AlertDelivery) []AlertDelivery {
	if len(ds) > MaxAlertDeliveries {
		return ds[len(ds)-MaxAlertDeliveries:]
	}
	return ds
}

// AlertDelivery is the outcome of delivering an alert to one notifier.
type AlertDelivery struct {
	Notifier string
	// Attempts is how many times the notifier was called.
	Attempts int
	// Err is the last attempt's error; "" means delivered.
	Err string
	// At is when the last attempt ended.
	At time.Time
}

// AlertDetails say what was measured: the metric, its value, the
// threshold it crossed and the window it was measured over. Values are
// rates and counts, never money.
type AlertDetails struct {
	Metric    string
	Value     float64
	Threshold float64
	Window    time.Duration
}

// Deliverer is a Notifier that reports the outcome for each notifier it
// hands an alert to (adapters/notify.Router); the Admin stores them on
// the alert, so an operator sees which channels heard of it.
type Deliverer interface {
	Notifier
	Deliver(ctx context.Context, a Alert) []AlertDelivery
}

// Notifier delivers alerts to people (a webhook, Slack, e-mail, the log).
type Notifier interface {
	// Notify delivers a. An error means it was not delivered and may be
	// retried; implementations time out on their own through ctx.
	Notify(ctx context.Context, a Alert) error
}
