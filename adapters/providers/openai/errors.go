package openai

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

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
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var env struct {
		Error *apiError `json:"error"`
	}
	_ = json.Unmarshal(body, &env)
	status := resp.StatusCode
	e := &gateway.Error{Code: statusCode(status), Status: status}
	msg := ""
	if a := env.Error; a != nil {
		msg = a.Message
		e.Type = a.typeName()
		if e.Code == gateway.CodeInvalid && a.Param != nil {
			e.Field = *a.Param
		}
	}
	if msg == "" {
		msg = "status " + strconv.Itoa(status)
		if text := http.StatusText(status); text != "" {
			msg += " " + text
		}
	}
	e.Message = "openai: " + redact(msg, secret)
	e.RetryAfter = retryAfter(resp.Header, now, status == http.StatusTooManyRequests)
	return e
}

// statusCode maps a provider's HTTP status to a Code.
func statusCode(status int) gateway.Code {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		return gateway.CodeInvalid
	case http.StatusNotFound:
		return gateway.CodeNotFound
	case http.StatusRequestTimeout:
		return gateway.CodeUpstreamTimeout
	case http.StatusTooManyRequests:
		return gateway.CodeRateLimited
	default:
		// 401 and 403 too: a bad upstream credential is the gateway's
		// problem, not the client's, and another credential may work.
		return gateway.CodeUpstream
	}
}

// retryAfter reads how long the provider asks to wait: retry-after-ms,
// else retry-after (seconds or an HTTP-date), else, for a 429 only, the
// reset time of the exhausted rate limit (x-ratelimit-reset-requests or
// -tokens, durations such as "1s", "6m0s", "20ms"). Zero if none is given.
func retryAfter(h http.Header, now time.Time, rateLimited bool) time.Duration {
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	if v := h.Get("retry-after"); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			return time.Duration(s * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if !rateLimited {
		return 0
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
		Message:   "openai: " + redact(msg, secret),
		Type:      a.typeName(),
		Delivered: true,
	}
}

// transportError maps a failure to get or read a response. wrote reports
// whether the whole request had been written, which decides Delivered: a
// refused connection cannot have reached the provider, a cut after the
// body was sent may have. secret is removed from the message as a
// precaution; net/http errors carry the URL, never the headers.
//
//   - the caller canceled ctx: CodeUpstream wrapping context.Canceled, so
//     errors.Is(err, context.Canceled) holds;
//   - a deadline or a network timeout: CodeUpstreamTimeout;
//   - anything else (refused, reset, DNS): CodeUpstream.
func transportError(ctx context.Context, err error, wrote bool, secret string) *gateway.Error {
	e := &gateway.Error{Code: gateway.CodeUpstream, Delivered: wrote, Err: redactErr(err, secret)}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		e.Message = "openai: request canceled"
		if !errors.Is(e.Err, context.Canceled) {
			e.Err = errors.Join(e.Err, context.Canceled)
		}
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()):
		e.Code = gateway.CodeUpstreamTimeout
		e.Message = "openai: request timed out"
	case wrote:
		e.Message = "openai: connection lost"
	default:
		e.Message = "openai: cannot connect"
	}
	return e
}

// redact removes secret from s.
func redact(s, secret string) string {
	if secret == "" || !strings.Contains(s, secret) {
		return s
	}
	return strings.ReplaceAll(s, secret, "[REDACTED]")
}

// redactErr returns err, or a copy of its text without secret if it holds
// it (then only its text is kept, plus the context errors it wraps).
func redactErr(err error, secret string) error {
	if secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	r := errors.New(redact(err.Error(), secret))
	for _, c := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, c) {
			return errors.Join(r, c)
		}
	}
	return r
}
