package lognotify_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/notify/lognotify"
	"github.com/tollgate-ai/tollgate/gateway"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func TestNotify(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	var buf bytes.Buffer
	n := lognotify.New(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // drop the record's own time
			}
			return a
		},
	})))
	a := gateway.Alert{
		ID: "alr_1", Type: "error_rate", Severity: gateway.SeverityWarning, Status: gateway.AlertOpen,
		Title: "Errors on openai", Message: "42% of calls failed", Subject: "provider:prv_1",
		Details:     gateway.AlertDetails{Metric: "error_rate", Value: 0.42, Threshold: 0.2, Window: 5 * time.Minute},
		Fingerprint: "error_rate:provider:prv_1", FirstSeen: t0.Add(-time.Hour), LastSeen: t0, Count: 3,
	}
	is.NoErr(n.Notify(t.Context(), a))

	var got map[string]any
	is.NoErr(json.Unmarshal(buf.Bytes(), &got))
	is.Equal(got, map[string]any{
		"level": "WARN",
		"msg":   "alert",
		"alert": map[string]any{
			"id": "alr_1", "type": "error_rate", "severity": "warning", "status": "open",
			"title": "Errors on openai", "message": "42% of calls failed", "subject": "provider:prv_1",
			"details": map[string]any{
				"metric": "error_rate", "value": 0.42, "threshold": 0.2,
				"window": float64(5 * time.Minute), // slog's JSON handler writes nanoseconds
			},
			"fingerprint": "error_rate:provider:prv_1",
			"first_seen":  "2026-03-04T04:06:07Z", "last_seen": "2026-03-04T05:06:07Z",
			"count": 3.0,
		},
	})
}

func TestNotifyLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		severity gateway.Severity
		want     string
	}{
		{gateway.SeverityCritical, "ERROR"},
		{gateway.SeverityWarning, "WARN"},
		{gateway.SeverityInfo, "INFO"},
		{"", "WARN"},
	}
	for _, tt := range tests {
		t.Run(string(tt.severity), func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			var buf bytes.Buffer
			n := lognotify.New(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
			is.NoErr(n.Notify(t.Context(), gateway.Alert{Severity: tt.severity}))
			var got struct{ Level string }
			is.NoErr(json.Unmarshal(buf.Bytes(), &got))
			is.Equal(got.Level, tt.want)
		})
	}
}

func TestNotifyNilLogger(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	is.NoErr(lognotify.New(nil).Notify(t.Context(), gateway.Alert{Severity: gateway.SeverityInfo}))
}
