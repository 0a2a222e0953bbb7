package httpx

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// MaxErrorBody bounds how much of an error response is read.
const MaxErrorBody = 64 << 10

// StatusCode maps a provider's HTTP status to a Code. 401 and 403 are
// CodeUpstream: a bad upstream credential is the gateway's problem, not
// the client's, and another credential may work.
func StatusCode(status int) gateway.Code {
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
		return gateway.CodeUpstream
	}
}

// StatusMessage is the message for an error response whose body said
// nothing: "status 503 Service Unavailable".
func StatusMessage(status int) string {
	msg := "status " + strconv.Itoa(status)
	if text := http.StatusText(status); text != "" {
		msg += " " + text
	}
	return msg
}

// RetryAfter reads how long the provider asks to wait: retry-after-ms,
// else retry-after (seconds or an HTTP-date, measured from now). Zero if
// neither is given.
func RetryAfter(h http.Header, now time.Time) time.Duration {
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
	return 0
}

// TransportError maps a failure to get or read a response from the
// provider called name. wrote reports whether the whole request had been
// written, which decides Delivered: a refused connection cannot have
// reached the provider, a cut after the body was sent may have. secret is
// removed from the message as a precaution; net/http errors carry the
// URL, which for some providers holds the key.
//
//   - the caller canceled ctx: CodeUpstream wrapping context.Canceled, so
//     errors.Is(err, context.Canceled) holds;
//   - a deadline or a network timeout: CodeUpstreamTimeout;
//   - anything else (refused, reset, DNS): CodeUpstream.
func TransportError(ctx context.Context, name string, err error, wrote bool, secret string) *gateway.Error {
	e := &gateway.Error{Code: gateway.CodeUpstream, Delivered: wrote, Err: RedactErr(err, secret)}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		e.Message = name + ": request canceled"
		if !errors.Is(e.Err, context.Canceled) {
			e.Err = errors.Join(e.Err, context.Canceled)
		}
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()):
		e.Code = gateway.CodeUpstreamTimeout
		e.Message = name + ": request timed out"
	case wrote:
		e.Message = name + ": connection lost"
	default:
		e.Message = name + ": cannot connect"
	}
	return e
}

// Redact removes secret from s.
func Redact(s, secret string) string {
	if secret == "" || !strings.Contains(s, secret) {
		return s
	}
	return strings.ReplaceAll(s, secret, "[REDACTED]")
}

// RedactErr returns err, or a copy of its text without secret if it holds
// it (then only its text is kept, plus the context errors it wraps).
func RedactErr(err error, secret string) error {
	if secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	r := errors.New(Redact(err.Error(), secret))
	for _, c := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, c) {
			return errors.Join(r, c)
		}
	}
	return r
}
