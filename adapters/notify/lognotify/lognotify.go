// Package lognotify delivers alerts to a log/slog logger: the
// gateway.Notifier that needs no configuration and cannot fail, a
// default and a last resort beside the ones that leave the process.
package lognotify

import (
	"context"
	"log/slog"

	"github.com/tollgate-ai/tollgate/gateway"
)

var _ gateway.Notifier = (*Notifier)(nil)

// Message is the message of every alert record, so log queries can find
// them; the alert itself is in the "alert" group of attributes.
const Message = "alert"

// Notifier writes each alert as one record. It is safe for concurrent use
// as far as its logger is (slog's handlers are).
type Notifier struct {
	logger *slog.Logger
}

// New returns a Notifier that writes to logger; nil means slog.Default()
// at the time of each Notify.
func New(logger *slog.Logger) *Notifier {
	return &Notifier{logger: logger}
}

// Notify writes a as one record at a level that follows its severity:
// Error for critical, Info for info, Warn otherwise. The record's message
// is Message and its attributes a group "alert" holding the alert's
// fields: id, type, severity, status, title, message, subject, details
// (metric, value, threshold, window), fingerprint, first_seen, last_seen
// and count. Notify always returns nil; whether the handler wrote the
// record is the handler's affair.
func (n *Notifier) Notify(ctx context.Context, a gateway.Alert) error {
	logger := n.logger
	if logger == nil {
		logger = slog.Default()
	}
	level := slog.LevelWarn
	switch a.Severity {
	case gateway.SeverityCritical:
		level = slog.LevelError
	case gateway.SeverityInfo:
		level = slog.LevelInfo
	}
	logger.LogAttrs(ctx, level, Message, slog.Group("alert",
		slog.String("id", a.ID),
		slog.String("type", a.Type),
		slog.String("severity", string(a.Severity)),
		slog.String("status", string(a.Status)),
		slog.String("title", a.Title),
		slog.String("message", a.Message),
		slog.String("subject", a.Subject),
		slog.Group("details",
			slog.String("metric", a.Details.Metric),
			slog.Float64("value", a.Details.Value),
			slog.Float64("threshold", a.Details.Threshold),
			slog.Duration("window", a.Details.Window),
		),
		slog.String("fingerprint", a.Fingerprint),
		slog.Time("first_seen", a.FirstSeen),
		slog.Time("last_seen", a.LastSeen),
		slog.Int64("count", a.Count),
	))
	return nil
}
