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

// Alert is something an operator should know about.
type Alert struct {
	ID       string
	Kind     string // "breaker_open", "error_rate", "low_balance", ...
	Severity Severity
	Title    string
	Message  string
	// Subject names what the alert is about ("provider:openai"); with
	// Kind it identifies the alert for deduplication.
	Subject   string
	CreatedAt time.Time
}

// Notifier delivers alerts to people (a webhook, Slack, e-mail).
type Notifier interface {
	// Notify delivers a. An error means it was not delivered and may be
	// retried.
	Notify(ctx context.Context, a Alert) error
}
