package compose

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/adapters/filespill"
	"github.com/tollgate-ai/tollgate/adapters/metrics"
	"github.com/tollgate-ai/tollgate/adapters/notify"
	"github.com/tollgate-ai/tollgate/adapters/notify/email"
	"github.com/tollgate-ai/tollgate/adapters/notify/lognotify"
	"github.com/tollgate-ai/tollgate/adapters/notify/slack"
	"github.com/tollgate-ai/tollgate/adapters/notify/webhook"
	"github.com/tollgate-ai/tollgate/adapters/oteltrace"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/config"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.39.0"
)

// ProvideRecorder writes request records in batches, spilling to
// SpillDir (default DataDir/spill) what the store cannot take yet, and
// deletes records past the retention.
func ProvideRecorder(cfg config.Config, store gateway.Store, logger *slog.Logger) (*gateway.Recorder, func(), error) {
	dir := cfg.SpillDir
	if dir == "" {
		dir = filepath.Join(cfg.DataDir, "spill")
	}
	spill, err := filespill.New(dir)
	if err != nil {
		return nil, nil, err
	}
	r := gateway.NewRecorder(gateway.RecorderConfig{
		BatchSize:      cfg.RecordBatch,
		Interval:       cfg.RecordInterval,
		Retention:      cfg.RecordRetention,
		StatsRetention: cfg.StatsRetention,
		Spill:          spill,
		Logger:         logger,
	}, store)
	return r, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			logger.Error("flush request records", "err", err)
		}
		if n := r.Spilled(); n > 0 {
			logger.Warn("request records kept in the spill for the next start", "records", n, "dir", dir)
		}
		_ = spill.Close()
	}, nil
}

// ProvideNotifier routes each new alert to the notifiers its type's
// route names (AlertRoutes), by default every configured one: the log
// always, and the webhook, Slack and e-mail the configuration sets up;
// each delivery is retried with backoff and its outcome stored on the
// alert.
func ProvideNotifier(cfg config.Config, logger *slog.Logger) (gateway.Notifier, error) {
	byName := map[string]gateway.Notifier{"log": lognotify.New(logger)}
	all := []string{"log"}
	if cfg.AlertWebhookURL != "" {
		w, err := webhook.New(webhook.Config{URL: cfg.AlertWebhookURL, Secret: gateway.Secret(cfg.AlertWebhookSecret)})
		if err != nil {
			return nil, fmt.Errorf("TOLLGATE_ALERT_WEBHOOK_URL: %w", err)
		}
		byName["webhook"], all = w, append(all, "webhook")
	}
	if cfg.AlertSlackURL != "" {
		sl, err := slack.New(slack.Config{WebhookURL: cfg.AlertSlackURL})
		if err != nil {
			return nil, fmt.Errorf("TOLLGATE_ALERT_SLACK_URL: %w", err)
		}
		byName["slack"], all = sl, append(all, "slack")
	}
	if m := cfg.AlertSMTP; m.Addr != "" {
		e, err := email.New(email.Config{Addr: m.Addr, Username: m.Username, Password: gateway.Secret(m.Password), From: m.From, To: m.To})
		if err != nil {
			return nil, fmt.Errorf("TOLLGATE_ALERT_SMTP_*: %w", err)
		}
		byName["email"], all = e, append(all, "email")
	}
	routes := map[string][]string{notify.DefaultRoute: all}
	for typ, names := range cfg.AlertRoutes {
		routes[typ] = names
	}
	named := make(map[string][]notify.Named, len(routes))
	for typ, names := range routes {
		named[typ] = []notify.Named{}
		for _, name := range names {
			n, ok := byName[name]
			if !ok {
				return nil, fmt.Errorf("alert route %q names notifier %q, which is not configured (have %v)", typ, name, all)
			}
			named[typ] = append(named[typ], notify.Named{Name: name, Notifier: n})
		}
	}
	return notify.NewRouter(named, notify.RetryOptions{}), nil
}

// ProvideMetrics counts every request for Prometheus, on a registry of
// its own, with the recorder's queue as a gauge; nil when
// TOLLGATE_METRICS=off.
func ProvideMetrics(cfg config.Config, rec *gateway.Recorder) (*metrics.Metrics, error) {
	if !cfg.MetricsEnabled {
		return nil, nil
	}
	return metrics.New(metrics.Config{Queued: rec.Queued, Spilled: rec.Spilled})
}

// ProvideTracer switches OpenTelemetry tracing on when
// TOLLGATE_OTLP_ENDPOINT is set: spans (sampled at TOLLGATE_TRACE_SAMPLE,
// or as the caller's trace decided) leave in batches over OTLP/HTTP, and
// the global propagator becomes W3C trace context and baggage, so that
// requests join their caller's trace and carry it upstream. The standard
// OTEL_* variables tune the rest (OTEL_SERVICE_NAME,
// OTEL_EXPORTER_OTLP_HEADERS, ...). The cleanup flushes the spans not yet
// sent. Off, it returns nil: the Gateway traces nothing, allocating
// nothing for it.
func ProvideTracer(cfg config.Config, logger *slog.Logger) (gateway.Tracer, func(), error) {
	if cfg.OTLPEndpoint == "" {
		return nil, func() {}, nil
	}
	// A base URL, as OTEL_EXPORTER_OTLP_ENDPOINT: traces go to /v1/traces.
	endpoint := strings.TrimRight(cfg.OTLPEndpoint, "/")
	if !strings.HasSuffix(endpoint, "/v1/traces") {
		endpoint += "/v1/traces"
	}
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, nil, fmt.Errorf("tracing: %w", err)
	}
	res, err := resource.New(context.Background(),
		resource.WithAttributes(semconv.ServiceName("tollgate")), // unless OTEL_SERVICE_NAME says otherwise
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		logger.Warn("tracing: resource attributes", "err", err) // partial: keep what was detected
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.TraceSample))),
	)
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { logger.Warn("tracing", "err", err) }))
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	logger.Info("tracing on", "sample", cfg.TraceSample)
	return oteltrace.New(tp), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := tp.Shutdown(ctx); err != nil {
			logger.Error("flush spans", "err", err)
		}
	}, nil
}
