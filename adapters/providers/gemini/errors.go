package gemini

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/tollgate-ai/tollgate/adapters/providers/internal/httpx"
	"github.com/tollgate-ai/tollgate/gateway"
)

// apiError is google.rpc.Status, the error object of Google's APIs.
type apiError struct {
	Code    int      `json:"code"`
	Message string   `json:"message"`
	Status  string   `json:"status"`
	Details []detail `json:"details"`
}

// detail is a google.rpc detail message, as far as the mapping reads it:
// ErrorInfo's reason and RetryInfo's retryDelay.
type detail struct {
	Type       string `json:"@type"`
	Reason     string `json:"reason"`
	RetryDelay string `json:"retryDelay"`
}

// parseError reads an error body: {"error": {...}}, or the same inside a
// JSON array, as streamGenerateContent without alt=sse answers. nil if
// body is neither.
func parseError(body []byte) *apiError {
	body = bytes.TrimSpace(body)
	var one struct {
		Error *apiError `json:"error"`
	}
	if len(body) > 0 && body[0] == '[' {
		var many []json.RawMessage
		if json.Unmarshal(body, &many) != nil || len(many) == 0 {
			return nil
		}
		body = many[0]
	}
	if json.Unmarshal(body, &one) != nil {
		return nil
	}
	return one.Error
}

// reason returns the reason of the error's ErrorInfo detail, if any.
func (e *apiError) reason() string {
	for _, d := range e.Details {
		if d.Type == "type.googleapis.com/google.rpc.ErrorInfo" && d.Reason != "" {
			return d.Reason
		}
	}
	return ""
}

// retryDelay returns the delay of the error's RetryInfo detail ("37s",
// "1.5s"), or zero.
func (e *apiError) retryDelay() time.Duration {
	for _, d := range e.Details {
		if d.Type == "type.googleapis.com/google.rpc.RetryInfo" {
			if v, err := time.ParseDuration(d.RetryDelay); err == nil && v > 0 {
				return v
			}
		}
	}
	return 0
}

// statusError maps a non-2xx response to a *gateway.Error with Delivered
// false: the provider answered with an error, so it did not act on the
// request. It reads at most httpx.MaxErrorBody bytes of the body and does
// not close it.
//
// The Code follows httpx.StatusCode, except that the credential's and the
// project's problems are CodeUpstream, not the client's fault, so another
// credential may be tried: a 400 whose ErrorInfo reason is API_KEY_INVALID
// (or API_KEY_SERVICE_BLOCKED), or whose status is FAILED_PRECONDITION
// (the API is not available in the project's region or without
// billing); and 504 DEADLINE_EXCEEDED is CodeUpstreamTimeout. Type is the
// status ("RESOURCE_EXHAUSTED"); RetryAfter the RetryInfo detail's
// retryDelay, else the Retry-After header; Message "gemini: " and the
// provider's message, with the credential removed should it be echoed.
func statusError(resp *http.Response, secret string) *gateway.Error {
	return statusErrorAt(resp, secret, time.Now())
}

// statusErrorAt is statusError with the time an HTTP-date Retry-After is
// measured from.
func statusErrorAt(resp *http.Response, secret string, now time.Time) *gateway.Error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, httpx.MaxErrorBody))
	status := resp.StatusCode
	e := &gateway.Error{Code: httpx.StatusCode(status), Status: status}
	msg := ""
	if a := parseError(body); a != nil {
		msg, e.Type = a.Message, a.Status
		switch r := a.reason(); {
		case status == http.StatusBadRequest && (r == "API_KEY_INVALID" || r == "API_KEY_SERVICE_BLOCKED"):
			e.Code = gateway.CodeUpstream
		case status == http.StatusBadRequest && a.Status == "FAILED_PRECONDITION":
			e.Code = gateway.CodeUpstream
		}
		e.RetryAfter = a.retryDelay()
	}
	if status == http.StatusGatewayTimeout {
		e.Code = gateway.CodeUpstreamTimeout
	}
	if msg == "" {
		msg = httpx.StatusMessage(status)
	}
	e.Message = "gemini: " + httpx.Redact(msg, secret)
	if e.RetryAfter == 0 {
		e.RetryAfter = httpx.RetryAfter(resp.Header, now)
	}
	return e
}

// streamError maps an error object in a response the provider accepted
// (inside a stream, or in place of a 200's body): CodeUpstream with
// Delivered true, since the provider acted on the request, and the
// error's status as Type.
func streamError(a *apiError, secret string) *gateway.Error {
	msg := a.Message
	if msg == "" {
		msg = "error in stream"
	}
	return &gateway.Error{Code: gateway.CodeUpstream, Message: "gemini: " + httpx.Redact(msg, secret), Type: a.Status,
		Delivered: true, RetryAfter: a.retryDelay()}
}
