package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/notify/slack"
	"github.com/tollgate-ai/tollgate/gateway"
)

// hookPath looks like the secret part of a real incoming webhook URL.
const hookPath = "/services/T000/B000/h00ksekr1th00k"

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func alert() gateway.Alert {
	return gateway.Alert{
		ID: "alr_1", Type: "error_rate", Severity: gateway.SeverityCritical, Status: gateway.AlertOpen,
		Title: "Errors on openai", Message: "42% of calls failed <see dashboard>", Subject: "provider:prv_1",
		Details:   gateway.AlertDetails{Metric: "error_rate", Value: 0.42, Threshold: 0.2, Window: 5 * time.Minute},
		FirstSeen: t0.Add(-10 * time.Minute), LastSeen: t0, Count: 3,
	}
}

// slackServer answers like Slack: status, body and headers; it sends
// each body it receives on the returned channel.
func slackServer(t *testing.T, status int, answer string, header map[string]string) (*httptest.Server, <-chan []byte) {
	t.Helper()
	got := make(chan []byte, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path != hookPath || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, "no_service")
			return
		}
		got <- b
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func newNotifier(t *testing.T, url string) *slack.Notifier {
	t.Helper()
	n, err := slack.New(slack.Config{WebhookURL: url})
	if err != nil {
		t.Fatalf("slack.New: %v", err)
	}
	return n
}

func TestNotifyPayload(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv, got := slackServer(t, http.StatusOK, "ok", nil)
	is.NoErr(newNotifier(t, srv.URL+hookPath).Notify(t.Context(), alert()))

	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"text"`
			Elements []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	is.NoErr(json.Unmarshal(<-got, &msg))
	is.Equal(msg.Text, "[CRITICAL] Errors on openai: 42% of calls failed <see dashboard>")
	is.Equal(len(msg.Blocks), 3)

	is.Equal(msg.Blocks[0].Type, "header")
	is.Equal(msg.Blocks[0].Text.Type, "plain_text")
	is.Equal(msg.Blocks[0].Text.Text, "🔴 Errors on openai")

	is.Equal(msg.Blocks[1].Type, "section")
	is.Equal(msg.Blocks[1].Text.Type, "mrkdwn")
	is.Equal(msg.Blocks[1].Text.Text, "42% of calls failed &lt;see dashboard&gt;\n*error_rate*: 0.42 vs threshold 0.2 over 5m0s")

	is.Equal(msg.Blocks[2].Type, "context")
	is.Equal(len(msg.Blocks[2].Elements), 1)
	is.Equal(msg.Blocks[2].Elements[0].Text,
		"*Subject:* provider:prv_1 · *Count:* 3 · *First seen:* 2026-03-04 04:56:07 UTC · *Last seen:* 2026-03-04 05:06:07 UTC")
}

func TestNotifyHeaderEmoji(t *testing.T) {
	t.Parallel()
	tests := []struct {
		severity gateway.Severity
		status   gateway.AlertStatus
		want     string
	}{
		{gateway.SeverityCritical, gateway.AlertOpen, "🔴 T"},
		{gateway.SeverityWarning, gateway.AlertOpen, "⚠️ T"},
		{gateway.SeverityInfo, gateway.AlertOpen, "ℹ️ T"},
		{gateway.SeverityCritical, gateway.AlertResolved, "✅ T (resolved)"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.severity, "/", tt.status), func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			srv, got := slackServer(t, http.StatusOK, "ok", nil)
			is.NoErr(newNotifier(t, srv.URL+hookPath).Notify(t.Context(), gateway.Alert{Title: "T", Severity: tt.severity, Status: tt.status}))
			var msg struct {
				Blocks []struct {
					Text struct{ Text string } `json:"text"`
				} `json:"blocks"`
			}
			is.NoErr(json.Unmarshal(<-got, &msg))
			is.Equal(len(msg.Blocks), 1) // nothing else to say
			is.Equal(msg.Blocks[0].Text.Text, tt.want)
		})
	}
}

func TestNotifyAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		answer     string
		header     map[string]string
		path       string
		wantErr    bool
		wantType   string
		retryAfter time.Duration
	}{
		{name: "ok", status: 200, answer: "ok"},
		{name: "ok with newline", status: 200, answer: "ok\n"},
		{name: "200 not ok", status: 200, answer: "something else", wantErr: true},
		{name: "invalid payload", status: 400, answer: "invalid_payload", wantErr: true, wantType: "invalid_payload"},
		{name: "archived", status: 410, answer: "channel_is_archived", wantErr: true, wantType: "channel_is_archived"},
		{name: "no service", status: 200, answer: "ok", path: "/services/gone", wantErr: true, wantType: "no_service"},
		{name: "rate limited", status: 429, answer: "rate_limited", header: map[string]string{"Retry-After": "30"},
			wantErr: true, wantType: "rate_limited", retryAfter: 30 * time.Second},
		{name: "server error", status: 500, answer: "<html>oops</html>", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			srv, _ := slackServer(t, tt.status, tt.answer, tt.header)
			path := hookPath
			if tt.path != "" {
				path = tt.path
			}
			err := newNotifier(t, srv.URL+path).Notify(t.Context(), alert())
			if !tt.wantErr {
				is.NoErr(err)
				return
			}
			var ge *gateway.Error
			is.True(errors.As(err, &ge))
			is.Equal(ge.Code, gateway.CodeUpstream)
			is.Equal(ge.Type, tt.wantType)
			is.Equal(ge.RetryAfter, tt.retryAfter)
			is.True(ge.Status != 0)
			is.True(!strings.Contains(err.Error(), "/services/")) // the URL is the secret
			is.True(!strings.Contains(err.Error(), srv.URL))
		})
	}
}

func TestNotifyTransportErrorHidesURL(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + hookPath
	srv.Close()
	err := newNotifier(t, url).Notify(t.Context(), alert())
	is.Equal(gateway.ErrorCode(err), gateway.CodeUpstream)
	is.True(!strings.Contains(err.Error(), "sekr1t"))
}

func TestNotifyTimeout(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := newNotifier(t, srv.URL+hookPath).Notify(ctx, alert())
	is.Equal(gateway.ErrorCode(err), gateway.CodeUpstreamTimeout)
	is.True(!strings.Contains(err.Error(), "sekr1t"))
}

func TestNewInvalid(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	for _, cfg := range []slack.Config{
		{},
		{WebhookURL: "hooks.slack.com" + hookPath},
		{WebhookURL: "https://hooks.slack.com" + hookPath, Timeout: -1},
	} {
		_, err := slack.New(cfg)
		is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
		is.True(!strings.Contains(err.Error(), "sekr1t"))
	}
	n, err := slack.New(slack.Config{WebhookURL: "https://hooks.slack.com" + hookPath})
	is.NoErr(err)
	is.True(!strings.Contains(fmt.Sprintf("%v %+v %#v %s", n, n, n, n), "sekr1t")) // the Notifier prints redacted
}
