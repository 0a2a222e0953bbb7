// Package slack delivers alerts to a Slack channel through an incoming
// webhook (https://api.slack.com/messaging/webhooks): a gateway.Notifier.
//
// Each alert is one message: a header block (an emoji for the severity,
// or a check mark once resolved, and the title), a section with the
// message and what was measured, and a context block with the subject,
// the count and when the alert was first and last seen. A plain "text"
// rides along for notifications and clients without blocks.
//
// The webhook URL is the credential: anyone holding it can post to the
// channel. It never appears in errors, and the Notifier prints as
// [REDACTED].
package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/delivery"
)

var _ gateway.Notifier = (*Notifier)(nil)

// DefaultTimeout bounds a delivery when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config says which incoming webhook to post to.
type Config struct {
	// WebhookURL is the incoming webhook's URL,
	// https://hooks.slack.com/services/T…/B…/…. It is a secret.
	WebhookURL string
	// Timeout bounds each delivery, on top of the caller's ctx.
	// Zero means DefaultTimeout.
	Timeout time.Duration
}

// Notifier posts alerts to one Slack incoming webhook. It is safe for
// concurrent use.
type Notifier struct {
	url     gateway.Secret
	timeout time.Duration
	client  *http.Client
}

// New checks cfg and returns a Notifier. It fails with CodeInvalid (Field
// "webhook_url") unless WebhookURL is an absolute http or https URL, and
// (Field "timeout") when Timeout is negative. The error never repeats the
// URL.
func New(cfg Config) (*Notifier, error) {
	u, err := url.Parse(cfg.WebhookURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, gateway.Invalid("webhook_url", "slack webhook_url must be an absolute https URL")
	}
	if cfg.Timeout < 0 {
		return nil, gateway.Invalid("timeout", "slack timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &Notifier{
		url:     gateway.Secret(cfg.WebhookURL),
		timeout: cfg.Timeout,
		client: &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// String describes n without its webhook URL, so printing a Notifier
// never leaks it.
func (n *Notifier) String() string { return "slack.Notifier{[REDACTED]}" }

// GoString is String, for %#v.
func (n *Notifier) GoString() string { return n.String() }

// Notify posts a as one message. Slack answers 200 "ok" on success; any
// other answer is a *gateway.Error with CodeUpstream, Status and, as
// Type, Slack's error code ("invalid_payload", "no_service",
// "channel_is_archived"); a 429 also carries RetryAfter from Slack's
// Retry-After header. CodeUpstreamTimeout means the time ran out,
// CodeCanceled that ctx was canceled.
func (n *Notifier) Notify(ctx context.Context, a gateway.Alert) error {
	body, err := json.Marshal(newMessage(a))
	if err != nil {
		return gateway.Internal(fmt.Errorf("slack: encode alert: %w", err))
	}
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url.Reveal(), bytes.NewReader(body))
	if err != nil {
		return gateway.Internal(errors.New("slack: build request"))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tollgate")

	resp, err := n.client.Do(req)
	if err != nil {
		return delivery.TransportError(ctx, "slack", err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	answer := strings.TrimSpace(string(raw))
	if resp.StatusCode == http.StatusOK && answer == "ok" {
		return nil
	}
	e := &gateway.Error{Code: gateway.CodeUpstream, Status: resp.StatusCode, Type: errorCode(answer)}
	e.Message = fmt.Sprintf("slack answered %d", resp.StatusCode)
	if e.Type != "" {
		e.Message += " " + e.Type
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter = delivery.RetryAfter(resp.Header.Get("Retry-After"))
	}
	return e
}

// errorCode keeps Slack's answer when it looks like one of its error
// codes (a short snake_case word), so nothing else is echoed.
func errorCode(s string) string {
	if s == "" || len(s) > 64 {
		return ""
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return ""
		}
	}
	return s
}
