// Package webhook delivers alerts as signed JSON POSTs to any HTTP
// endpoint: a gateway.Notifier for receivers the other notifiers do not
// cover (an incident tool, a chat bot, a function URL).
//
// # Request
//
// Each alert is one POST with a JSON body:
//
//	{"id": "alr_1", "type": "error_rate", "severity": "critical", "status": "open",
//	 "title": "...", "message": "...", "subject": "provider:prv_1",
//	 "details": {"metric": "error_rate", "value": 0.42, "threshold": 0.2, "window_seconds": 300},
//	 "fingerprint": "...", "first_seen": "2026-01-02T15:04:05Z",
//	 "last_seen": "2026-01-02T15:09:05Z", "count": 3, "sent_at": "2026-01-02T15:09:06Z"}
//
// and the headers Content-Type: application/json, User-Agent: Tollgate,
// X-Tollgate-Timestamp (the Unix time of sending, in seconds) and, when
// Config.Secret is set, X-Tollgate-Signature.
//
// # Signature
//
// X-Tollgate-Signature is "sha256=" followed by the hex HMAC-SHA256, keyed
// with the secret, of the timestamp header's value, a dot, and the raw
// body: HMAC(secret, timestamp + "." + body). The timestamp is signed so
// that a captured request cannot be replayed later: a receiver checks the
// signature, then rejects timestamps too far from its own clock (five
// minutes is usual). Without the timestamp in the signed text an attacker
// could resend an old body with a fresh timestamp header. A receiver in
// Go, using Verify:
//
//	func handle(w http.ResponseWriter, r *http.Request) {
//		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
//		if err != nil {
//			http.Error(w, "bad body", http.StatusBadRequest)
//			return
//		}
//		ts := r.Header.Get("X-Tollgate-Timestamp")
//		if !webhook.Verify(secret, ts, body, r.Header.Get("X-Tollgate-Signature")) {
//			http.Error(w, "bad signature", http.StatusUnauthorized)
//			return
//		}
//		sec, err := strconv.ParseInt(ts, 10, 64)
//		if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
//			http.Error(w, "stale", http.StatusUnauthorized)
//			return
//		}
//		// body is an authentic, fresh alert; the "id" field makes a
//		// redelivery recognisable.
//	}
//
// Receivers in other languages compute the same HMAC and compare it in
// constant time. Read the body as raw bytes: re-encoding parsed JSON does
// not reproduce the signed text.
//
// # Outcome
//
// A 2xx answer means delivered. Any other status (redirects are not
// followed) or a transport failure is an error; errors never carry the
// secret, and show the URL only as scheme, host and path, because webhook
// URLs often hold tokens in their userinfo or query.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/delivery"
)

var _ gateway.Notifier = (*Notifier)(nil)

// DefaultTimeout bounds a delivery when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config says where and how to deliver.
type Config struct {
	// URL is the absolute http or https endpoint to POST to. It may hold
	// credentials (userinfo, a ?token=); they are never shown in errors.
	URL string
	// Secret keys the HMAC-SHA256 signature. Empty sends unsigned
	// requests (no X-Tollgate-Signature header).
	Secret gateway.Secret
	// Timeout bounds each delivery, on top of the caller's ctx.
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// Headers are added to every request (an Authorization header, a
	// routing key). They cannot replace Content-Type, User-Agent or the
	// X-Tollgate headers.
	Headers map[string]string
	// Clock stamps sent_at and the timestamp header. Nil means
	// gateway.SystemClock.
	Clock gateway.Clock
}

// Notifier posts alerts to one webhook. It is safe for concurrent use.
type Notifier struct {
	url     gateway.Secret // the full URL, kept out of %v and slog output
	shown   string         // scheme://host/path, for errors
	secret  []byte
	timeout time.Duration
	headers http.Header
	clock   gateway.Clock
	client  *http.Client
}

// New checks cfg and returns a Notifier. It fails with CodeInvalid (Field
// "url") unless URL is an absolute http or https URL with a host, and
// (Field "timeout") when Timeout is negative.
func New(cfg Config) (*Notifier, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, gateway.Invalid("url", "webhook url must be an absolute http or https URL")
	}
	if cfg.Timeout < 0 {
		return nil, gateway.Invalid("timeout", "webhook timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = gateway.SystemClock{}
	}
	h := make(http.Header, len(cfg.Headers)+4)
	for k, v := range cfg.Headers {
		h.Set(k, v)
	}
	return &Notifier{
		url:     gateway.Secret(cfg.URL),
		shown:   redact(u),
		secret:  []byte(cfg.Secret.Reveal()),
		timeout: cfg.Timeout,
		headers: h,
		clock:   cfg.Clock,
		client: &http.Client{
			// A redirect is a misconfigured URL; following it would send
			// the signed alert somewhere else.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// String describes n by its URL's scheme, host and path only, so
// printing a Notifier never leaks the secret or a token in the URL.
func (n *Notifier) String() string { return "webhook.Notifier{" + n.shown + "}" }

// GoString is String, for %#v.
func (n *Notifier) GoString() string { return n.String() }

// Notify posts a and waits for the answer, at most Config.Timeout. It
// returns nil on a 2xx status. Otherwise it returns a *gateway.Error:
// CodeUpstream with Status (and RetryAfter when the receiver sent one)
// for other statuses and transport failures, CodeUpstreamTimeout when the
// time ran out, CodeCanceled when ctx was canceled.
func (n *Notifier) Notify(ctx context.Context, a gateway.Alert) error {
	now := n.clock.Now()
	body, err := json.Marshal(newPayload(a, now))
	if err != nil {
		return gateway.Internal(fmt.Errorf("webhook: encode alert: %w", err))
	}
	ts := strconv.FormatInt(now.Unix(), 10)

	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url.Reveal(), bytes.NewReader(body))
	if err != nil {
		return gateway.Internal(fmt.Errorf("webhook %s: build request: %w", n.shown, unwrapURL(err)))
	}
	req.Header = n.headers.Clone()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tollgate")
	req.Header.Set(HeaderTimestamp, ts)
	if len(n.secret) > 0 {
		req.Header.Set(HeaderSignature, Sign(n.secret, ts, body))
	}

	resp, err := n.client.Do(req)
	if err != nil {
		return delivery.TransportError(ctx, "webhook "+n.shown, err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return &gateway.Error{
		Code:       gateway.CodeUpstream,
		Message:    fmt.Sprintf("webhook %s answered %d", n.shown, resp.StatusCode),
		Status:     resp.StatusCode,
		RetryAfter: delivery.RetryAfter(resp.Header.Get("Retry-After")),
	}
}

// payload is the JSON body of a delivery.
type payload struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	Severity    string    `json:"severity"`
	Status      string    `json:"status"`
	Title       string    `json:"title"`
	Message     string    `json:"message"`
	Subject     string    `json:"subject"`
	Details     details   `json:"details"`
	Fingerprint string    `json:"fingerprint"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	Count       int64     `json:"count"`
	SentAt      time.Time `json:"sent_at"`
}

type details struct {
	Metric        string  `json:"metric"`
	Value         float64 `json:"value"`
	Threshold     float64 `json:"threshold"`
	WindowSeconds float64 `json:"window_seconds"`
}

func newPayload(a gateway.Alert, now time.Time) payload {
	return payload{
		ID:       a.ID,
		Type:     a.Type,
		Severity: string(a.Severity),
		Status:   string(a.Status),
		Title:    a.Title,
		Message:  a.Message,
		Subject:  a.Subject,
		Details: details{
			Metric:        a.Details.Metric,
			Value:         a.Details.Value,
			Threshold:     a.Details.Threshold,
			WindowSeconds: a.Details.Window.Seconds(),
		},
		Fingerprint: a.Fingerprint,
		FirstSeen:   a.FirstSeen.UTC(),
		LastSeen:    a.LastSeen.UTC(),
		Count:       a.Count,
		SentAt:      now.UTC().Truncate(time.Second),
	}
}

// redact keeps scheme, host and path: no userinfo, query or fragment.
func redact(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// unwrapURL drops the *url.Error around err, whose text holds the whole
// URL, query and userinfo included.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
