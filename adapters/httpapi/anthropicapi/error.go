package anthropicapi

import (
	"net/http"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// Error returns the event for an error that cuts the stream: type
// "error", with the Anthropic error type of err (see ErrorType) and its
// client-safe message (gateway.ErrorMessage: "internal error" for a
// foreign error). Anthropic clients fail the stream on it. Chunk and End
// return nothing afterwards.
func (s *Stream) Error(err error) anthropicwire.Event {
	s.done = true
	msg := gateway.ErrorMessage(err)
	if msg == "" {
		msg = "the stream failed"
	}
	return anthropicwire.Event{
		Type:  anthropicwire.EventError,
		Error: &anthropicwire.ErrorDetail{Type: ErrorType(err), Message: msg},
	}
}

// ErrorType returns the Anthropic error type for a gateway error, which
// Anthropic clients switch on (and retry rate_limit_error,
// overloaded_error and api_error): from its code, or for an upstream
// error from the provider's status, as the client should react to what
// the provider said. A provider's 401, 402 or 403 concern the gateway's
// credential, not the client's key, so they are api_error.
// anthropicwire.Status gives the HTTP status that goes with the type.
//
//	invalid, conflict     invalid_request_error
//	unauthenticated       authentication_error
//	forbidden             permission_error
//	not_found             not_found_error
//	rate_limited          rate_limit_error
//	insufficient_credits  billing_error
//	upstream_timeout      timeout_error
//	unavailable           overloaded_error (the gateway cannot serve now)
//	upstream_failed       by status: 529, 503 overloaded_error; 429
//	                      rate_limit_error; 408, 504 timeout_error; 400,
//	                      404, 413 as Anthropic types them; else api_error
//	anything else         api_error
func ErrorType(err error) string {
	e := gateway.AsError(err)
	switch e.Code {
	case gateway.CodeInvalid, gateway.CodeConflict:
		return anthropicwire.ErrInvalidRequest
	case gateway.CodeUnauthenticated:
		return anthropicwire.ErrAuthentication
	case gateway.CodeForbidden:
		return anthropicwire.ErrPermission
	case gateway.CodeNotFound:
		return anthropicwire.ErrNotFound
	case gateway.CodeRateLimited:
		return anthropicwire.ErrRateLimit
	case gateway.CodeNoCredits:
		return anthropicwire.ErrBilling
	case gateway.CodeUpstreamTimeout:
		return anthropicwire.ErrTimeout
	case gateway.CodeUnavailable:
		return anthropicwire.ErrOverloaded
	case gateway.CodeUpstream:
		return upstreamErrorType(e.Status)
	}
	return anthropicwire.ErrAPI
}

// upstreamErrorType types an upstream error by the provider's status.
func upstreamErrorType(status int) string {
	switch status {
	case anthropicwire.StatusOverloaded, http.StatusServiceUnavailable:
		return anthropicwire.ErrOverloaded
	case http.StatusTooManyRequests:
		return anthropicwire.ErrRateLimit
	case http.StatusRequestTimeout, http.StatusGatewayTimeout:
		return anthropicwire.ErrTimeout
	case http.StatusBadRequest, http.StatusNotFound, http.StatusRequestEntityTooLarge:
		return anthropicwire.ErrorType(status)
	}
	return anthropicwire.ErrAPI
}
