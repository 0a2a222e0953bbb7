package openaiapi

import (
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

// typeName returns the error's code if it is a string that says more than
// a status number (Azure's "404"), else its type.
func (e *apiError) typeName() string {
	var code string
	if len(e.Code) > 0 && e.Code[0] == '"' && json.Unmarshal(e.Code, &code) == nil && code != "" && !digits(code) {
		return code
	}
	return e.Type
}

// digits reports whether s is all ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// statusError maps a non-2xx response to a *gateway.Error with Delivered
// false: the provider answered with an error, so it did not act on the
// request. It reads at most httpx.MaxErrorBody bytes of the body and does
// not close it. Message is the host's name ("openai: ") and the
// provider's message, with secret (the credential's) removed should the
// provider have echoed it. The error hook (WithErrorHook) has the last
// word.
func (u *Upstream) statusError(resp *http.Response, secret string) *gateway.Error {
	return u.statusErrorAt(resp, secret, time.Now())
}

// statusErrorAt is statusError with the time an HTTP-date Retry-After is
// measured from.
func (u *Upstream) statusErrorAt(resp *http.Response, secret string, now time.Time) *gateway.Error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, httpx.MaxErrorBody))
	status := resp.StatusCode
	e := &gateway.Error{Code: httpx.StatusCode(status), Status: status}
	msg := ""
	if a := parseErrorBody(body); a != nil {
		msg = a.Message
		e.Type = a.typeName()
		if e.Code == gateway.CodeInvalid && a.Param != nil {
			e.Field = *a.Param
		}
	}
	if msg == "" {
		msg = httpx.StatusMessage(status)
	}
	e.Message = u.name + ": " + httpx.Redact(msg, secret)
	e.RetryAfter = retryAfter(resp.Header, now, status == http.StatusTooManyRequests)
	if u.errorHook != nil {
		u.errorHook(e, body)
	}
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
func (u *Upstream) streamError(a *apiError, secret string) *gateway.Error {
	msg := a.Message
	if msg == "" {
		msg = "error in stream"
	}
	return &gateway.Error{
		Code:      gateway.CodeUpstream,
		Message:   u.name + ": " + httpx.Redact(msg, secret),
		Type:      a.typeName(),
		Delivered: true,
	}
}
