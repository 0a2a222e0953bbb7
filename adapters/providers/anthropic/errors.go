package anthropic

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/adapters/providers/internal/httpx"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// statusError maps a non-2xx response to a *gateway.Error with Delivered
// false: the provider answered with an error, so it did not act on the
// request. It reads at most httpx.MaxErrorBody bytes of the body and does
// not close it.
//
// Code is httpx.StatusCode's: 400, 413 and 422 CodeInvalid (with Field
// the path the message starts with, "max_tokens: Field required"), 404
// CodeNotFound, 429 CodeRateLimited, and CodeUpstream for the rest, so
// that 401 and 403 (a bad credential) and 529 (overloaded, Status 529)
// fail over to another credential or provider. Type is Anthropic's error
// type. Message is "anthropic: " and the provider's message, with secret
// removed should the provider have echoed it.
func statusError(resp *http.Response, secret string) *gateway.Error {
	return statusErrorAt(resp, secret, time.Now())
}

// fieldPrefix matches the parameter path that starts many of the API's
// 400 messages: "messages.0.content.1.image.source: ...".
var fieldPrefix = regexp.MustCompile(`^([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*): `)

// statusErrorAt is statusError with the time reset times are measured
// from.
func statusErrorAt(resp *http.Response, secret string, now time.Time) *gateway.Error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, httpx.MaxErrorBody))
	var env anthropicwire.ErrorResponse
	_ = json.Unmarshal(body, &env)
	status := resp.StatusCode
	e := &gateway.Error{Code: httpx.StatusCode(status), Status: status, Type: env.Error.Type}
	msg := env.Error.Message
	if msg == "" {
		msg = httpx.StatusMessage(status)
	}
	if e.Code == gateway.CodeInvalid {
		if m := fieldPrefix.FindStringSubmatch(msg); m != nil {
			e.Field = m[1]
		}
	}
	e.Message = "anthropic: " + httpx.Redact(msg, secret)
	e.RetryAfter = retryAfter(resp.Header, now, status == http.StatusTooManyRequests)
	return e
}

// rateLimits are the kinds of Anthropic's rate-limit headers,
// anthropic-ratelimit-<kind>-remaining and -reset.
var rateLimits = []string{"requests", "tokens", "input-tokens", "output-tokens"}

// retryAfter reads how long the provider asks to wait: retry-after
// (httpx.RetryAfter), else, for a 429 only, until the earliest reset (an
// RFC 3339 time) of the rate limits that are used up (remaining 0). Zero
// if none is given.
func retryAfter(h http.Header, now time.Time, rateLimited bool) time.Duration {
	if d := httpx.RetryAfter(h, now); d > 0 || !rateLimited {
		return d
	}
	var best time.Duration
	found := false
	for _, kind := range rateLimits {
		if strings.TrimSpace(h.Get("anthropic-ratelimit-"+kind+"-remaining")) != "0" {
			continue
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(h.Get("anthropic-ratelimit-"+kind+"-reset")))
		if err != nil {
			continue
		}
		d := max(t.Sub(now), 0)
		if !found || d < best {
			best, found = d, true
		}
	}
	return best
}

// streamError maps an error event inside a stream. The stream was
// accepted, so the provider acted on the request: Delivered is true. Type
// keeps Anthropic's error type (overloaded_error, ...).
func streamError(d *anthropicwire.ErrorDetail, secret string) *gateway.Error {
	msg := d.Message
	if msg == "" {
		msg = "error in stream"
	}
	return &gateway.Error{
		Code:      gateway.CodeUpstream,
		Message:   "anthropic: " + httpx.Redact(msg, secret),
		Type:      d.Type,
		Delivered: true,
	}
}

// transportError maps a failure to get or read a response; see
// httpx.TransportError.
func transportError(ctx context.Context, err error, wrote bool, secret string) *gateway.Error {
	return httpx.TransportError(ctx, "anthropic", err, wrote, secret)
}
