package openai

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/tollgate-ai/tollgate/adapters/providers/internal/httpx"
	"github.com/tollgate-ai/tollgate/gateway"
)

// apiError is OpenAI's error object. Code may be a string, a number or
// null; Param a string or null.
type apiError struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Param   *string         `json:"param"`
	Code    json.RawMessage `json:"code"`
}

// typeName returns the error's code if it is a string, else its type.
func (e *apiError) typeName() string {
	var code string
	if len(e.Code) > 0 && e.Code[0] == '"' && json.Unmarshal(e.Code, &code) == nil && code != "" {
		return code
	}
	return e.Type
}

// statusError maps a non-2xx response to a *gateway.Error with Delivered
// false: the provider answered with an error, so it did not act on the
// request. It reads at most maxErrorBody bytes of the body and does not
// close it. Message is "openai: " and the provider's message, with secret
// (the credential's) removed should the provider have echoed it.
func statusError(resp *http.Response, secret string) *gateway.Error {
	return statusErrorAt(resp, secret, time.Now())
}

// statusErrorAt is statusError with the time an HTTP-date Retry-After is
// measured from.
func statusErrorAt(resp *http.Response, secret string, now time.Time) *gateway.Error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, httpx.MaxErrorBody))
	var env struct {
		Error *apiError `json:"error"`
	}
	_ = json.Unmarshal(body, &env)
	status := resp.StatusCode
	e := &gateway.Error{Code: httpx.StatusCode(status), Status: status}
	msg := ""
	if a := env.Error; a != nil {
		msg = a.Message
		e.Type = a.typeName()
		if e.Code == gateway.CodeInvalid && a.Param != nil {
			e.Field = *a.Param
		}
	}
	if msg == "" {
		msg = httpx.StatusMessage(status)
	}
	e.Message = "openai: " + httpx.Redact(msg, secret)
	e.RetryAfter = retryAfter(resp.Header, now, status == http.StatusTooManyRequests)
	return e
}

// retryAfter reads how long the provider asks to wait: retry-after-ms or
// retry-after (httpx.RetryAfter), else, for a 429 only, the reset time of
// the exhausted rate limit (x-ratelimit-reset-requests or -tokens,
// durations such as "1s", "6m0s", "20ms"). Zero if none is given.
func retryAfter(h http.Header, now time.Time, rateLimited bool) time.Duration {
	if d := httpx.RetryAfter(h, now); d > 0 || !rateLimited {
		return d
	}
	// Prefer the limit that is used up; else the first one given.
	var first time.Duration
	for _, kind := range []string{"requests", "tokens"} {
		d, err := time.ParseDuration(h.Get("x-ratelimit-reset-" + kind))
		if err != nil || d < 0 {
			continue
		}
		if h.Get("x-ratelimit-remaining-"+kind) == "0" {
			return d
		}
		if first == 0 {
			first = d
		}
	}
	return first
}

// streamError maps an error event inside a stream. The stream was
// accepted, so the provider acted on the request: Delivered is true.
func streamError(a *apiError, secret string) *gateway.Error {
	msg := a.Message
	if msg == "" {
		msg = "error in stream"
	}
	return &gateway.Error{
		Code:      gateway.CodeUpstream,
		Message:   "openai: " + httpx.Redact(msg, secret),
		Type:      a.typeName(),
		Delivered: true,
	}
}

// transportError maps a failure to get or read a response; see
// httpx.TransportError.
func transportError(ctx context.Context, err error, wrote bool, secret string) *gateway.Error {
	return httpx.TransportError(ctx, "openai", err, wrote, secret)
}
