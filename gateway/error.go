package gateway

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an Error for callers and for the HTTP status mapping,
// which lives in exactly one place: adapters/httpapi.
type Code string

// The codes every port and Gateway method return.
const (
	CodeInvalid         Code = "invalid"         // the request is malformed or a field is wrong
	CodeUnauthenticated Code = "unauthenticated" // no key, or a key that is unknown, revoked or expired
	CodeForbidden       Code = "forbidden"       // the key is valid but may not do this
	CodeNotFound        Code = "not_found"       // the model, provider, account or key does not exist
	CodeConflict        Code = "conflict"        // a unique name or id is taken
	CodeRateLimited     Code = "rate_limited"    // a limit was hit; RetryAfter says when to try again
	CodeNoCredits       Code = "insufficient_credits"
	CodeUpstream        Code = "upstream_failed"  // the provider failed or could not be reached
	CodeUpstreamTimeout Code = "upstream_timeout" // the provider did not answer in time
	CodeUnavailable     Code = "unavailable"      // the gateway itself cannot serve now (shutting down, no healthy route)
	CodeCanceled        Code = "canceled"         // the client went away before the response ended
	CodeInternal        Code = "internal"         // a bug or a failing dependency; never shown in detail
)

// Error is returned for every expected failure. Message is safe to show a
// client; Err is the cause, for logs only.
//
// Upstream errors also carry what the provider said (Status, Type and the
// provider's Message) and whether the provider may have processed the
// request. That last fact is the failover contract, modelled on
// database/sql/driver.ErrBadConn: an error with Delivered false guarantees
// the provider did not act on the request (refused connection, an error
// status), so it may be retried elsewhere without billing twice; Delivered
// true means it may have (a timeout after the body was sent, a stream cut
// mid-way), and only a retry policy that accepts that may retry.
type Error struct {
	Code    Code
	Message string
	// Field names the request field at fault, for CodeInvalid.
	Field string
	// RetryAfter is set with CodeRateLimited and, when the provider said
	// so, on upstream errors.
	RetryAfter time.Duration
	// Status is the provider's HTTP status, for upstream errors.
	Status int
	// Type is the provider's error type or code ("rate_limit_exceeded").
	Type string
	// Delivered reports that the provider may have processed the request.
	Delivered bool
	Err       error
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted client-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a CodeInvalid error that names the field at fault.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps a foreign error as CodeInternal; the client sees only
// "internal error".
func Internal(err error) *Error {
	return &Error{Code: CodeInternal, Message: "internal error", Err: err}
}

// ErrorCode reports err's Code: "" for nil, CodeInternal for errors that are
// not an *Error.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage reports err's client-safe message: "" for nil, "internal
// error" for errors that are not an *Error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// AsError returns err as an *Error, wrapping foreign errors with Internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// IsCode reports whether err is an *Error with the code.
func IsCode(err error, code Code) bool { return err != nil && ErrorCode(err) == code }
