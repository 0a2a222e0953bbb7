package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/notify/webhook"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

const secret = "whsec_do-not-leak-1234"

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func alert() gateway.Alert {
	return gateway.Alert{
		ID: "alr_1", Type: "error_rate", Severity: gateway.SeverityCritical, Status: gateway.AlertOpen,
		Title: "Errors on openai", Message: "42% of calls failed", Subject: "provider:prv_1",
		Details:     gateway.AlertDetails{Metric: "error_rate", Value: 0.42, Threshold: 0.2, Window: 5 * time.Minute},
		Fingerprint: "error_rate:provider:prv_1",
		FirstSeen:   t0.Add(-10 * time.Minute), LastSeen: t0.Add(-time.Minute), Count: 3,
	}
}

// captured is one request a test receiver saw.
type captured struct {
	header http.Header
	body   []byte
}

// receiver starts a server that records requests and answers status.
func receiver(t *testing.T, status int) (*httptest.Server, <-chan captured) {
	t.Helper()
	got := make(chan captured, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- captured{header: r.Header.Clone(), body: b}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func newNotifier(t *testing.T, cfg webhook.Config) *webhook.Notifier {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = gatewaytest.NewClock(t0)
	}
	n, err := webhook.New(cfg)
	if err != nil {
		t.Fatalf("webhook.New: %v", err)
	}
	return n
}

func TestNotifySigned(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv, got := receiver(t, http.StatusNoContent)
	n := newNotifier(t, webhook.Config{
		URL: srv.URL + "/hook", Secret: secret,
		Headers: map[string]string{"X-Route": "ops", "Content-Type": "text/plain"},
	})

	is.NoErr(n.Notify(t.Context(), alert()))
	c := <-got

	is.Equal(c.header.Get("Content-Type"), "application/json") // not replaced by Config.Headers
	is.Equal(c.header.Get("User-Agent"), "Tollgate")
	is.Equal(c.header.Get("X-Route"), "ops")
	ts := c.header.Get(webhook.HeaderTimestamp)
	is.Equal(ts, strconv.FormatInt(t0.Unix(), 10))
	sig := c.header.Get(webhook.HeaderSignature)
	is.True(strings.HasPrefix(sig, "sha256="))
	is.Equal(sig, webhook.Sign([]byte(secret), ts, c.body))
	is.True(webhook.Verify([]byte(secret), ts, c.body, sig))

	// The signature binds the timestamp, the body and the key.
	is.True(!webhook.Verify([]byte(secret), strconv.FormatInt(t0.Unix()+600, 10), c.body, sig))
	is.True(!webhook.Verify([]byte(secret), ts, append(c.body, ' '), sig))
	is.True(!webhook.Verify([]byte("other"), ts, c.body, sig))
	is.True(!webhook.Verify([]byte(secret), ts, c.body, strings.TrimPrefix(sig, "sha256=")))
	is.True(!webhook.Verify([]byte(secret), ts, c.body, "sha256=zz"))
	is.True(!webhook.Verify(nil, ts, c.body, sig))
}

func TestNotifyBody(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv, got := receiver(t, http.StatusOK)
	n := newNotifier(t, webhook.Config{URL: srv.URL})

	is.NoErr(n.Notify(t.Context(), alert()))
	c := <-got
	is.Equal(c.header.Get(webhook.HeaderSignature), "") // no secret, no signature
	is.True(c.header.Get(webhook.HeaderTimestamp) != "")

	var body map[string]any
	is.NoErr(json.Unmarshal(c.body, &body))
	want := map[string]any{
		"id": "alr_1", "type": "error_rate", "severity": "critical", "status": "open",
		"title": "Errors on openai", "message": "42% of calls failed", "subject": "provider:prv_1",
		"details":     map[string]any{"metric": "error_rate", "value": 0.42, "threshold": 0.2, "window_seconds": 300.0},
		"fingerprint": "error_rate:provider:prv_1",
		"first_seen":  "2026-03-04T04:56:07Z", "last_seen": "2026-03-04T05:05:07Z",
		"count": 3.0, "sent_at": "2026-03-04T05:06:07Z",
	}
	is.Equal(body, want)
}

func TestNotifyFailureRedacts(t *testing.T) {
	t.Parallel()
	srv, _ := receiver(t, http.StatusInternalServerError)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()

	tests := []struct {
		name   string
		url    string
		code   gateway.Code
		status int
	}{
		{"status", strings.Replace(srv.URL, "http://", "http://bob:hunter2@", 1) + "/hook?token=tok_sekrit", gateway.CodeUpstream, 500},
		{"unreachable", deadURL + "/hook?token=tok_sekrit", gateway.CodeUpstream, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			n := newNotifier(t, webhook.Config{URL: tt.url, Secret: secret})
			err := n.Notify(t.Context(), alert())
			is.True(err != nil)
			is.Equal(gateway.ErrorCode(err), tt.code)
			var ge *gateway.Error
			is.True(errors.As(err, &ge))
			is.Equal(ge.Status, tt.status)
			msg := err.Error()
			t.Log(msg)
			is.True(strings.Contains(msg, "/hook"))
			for _, leak := range []string{secret, "tok_sekrit", "token=", "hunter2", "bob"} {
				is.True(!strings.Contains(msg, leak)) // no secret, no userinfo, no query
			}
		})
	}
}

func TestNotifyRetryAfter(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	err := newNotifier(t, webhook.Config{URL: srv.URL}).Notify(t.Context(), alert())
	var ge *gateway.Error
	is.True(errors.As(err, &ge))
	is.Equal(ge.Status, 429)
	is.Equal(ge.RetryAfter, 7*time.Second)
}

func TestNotifyRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	other, got := receiver(t, http.StatusOK)
	srv := httptest.NewServer(http.RedirectHandler(other.URL, http.StatusTemporaryRedirect))
	t.Cleanup(srv.Close)
	err := newNotifier(t, webhook.Config{URL: srv.URL, Secret: secret}).Notify(t.Context(), alert())
	is.True(err != nil)
	is.Equal(len(got), 0) // the signed alert went nowhere else
}

func TestNotifyTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })

	tests := []struct {
		name    string
		timeout time.Duration // Config.Timeout
		ctx     time.Duration // the caller's deadline; 0 for none
	}{
		{"caller ctx", time.Minute, 50 * time.Millisecond},
		{"config timeout", 50 * time.Millisecond, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			n := newNotifier(t, webhook.Config{URL: srv.URL + "/?token=tok_sekrit", Timeout: tt.timeout})
			ctx := t.Context()
			if tt.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctx)
				defer cancel()
			}
			start := time.Now()
			err := n.Notify(ctx, alert())
			is.Equal(gateway.ErrorCode(err), gateway.CodeUpstreamTimeout)
			is.True(time.Since(start) < 5*time.Second)
			is.True(!strings.Contains(err.Error(), "tok_sekrit"))
		})
	}
}

func TestNewInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cfg   webhook.Config
		field string
	}{
		{"empty", webhook.Config{}, "url"},
		{"relative", webhook.Config{URL: "/hook"}, "url"},
		{"scheme", webhook.Config{URL: "ftp://example.com/hook"}, "url"},
		{"no host", webhook.Config{URL: "https:///hook"}, "url"},
		{"unparsable", webhook.Config{URL: "http://[::1"}, "url"},
		{"timeout", webhook.Config{URL: "https://example.com", Timeout: -time.Second}, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			_, err := webhook.New(tt.cfg)
			var ge *gateway.Error
			is.True(errors.As(err, &ge))
			is.Equal(ge.Code, gateway.CodeInvalid)
			is.Equal(ge.Field, tt.field)
		})
	}
}

func TestNotifierPrintsRedacted(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	n := newNotifier(t, webhook.Config{URL: "https://bob:hunter2@example.com/hook?token=tok_sekrit", Secret: secret})
	s := fmt.Sprintf("%v %+v %#v %s", n, n, n, n)
	is.True(strings.Contains(s, "https://example.com/hook"))
	for _, leak := range []string{secret, "tok_sekrit", "hunter2"} {
		is.True(!strings.Contains(s, leak))
	}
}
