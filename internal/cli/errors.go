package cli

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// The exit codes of every command, which scripts can rely on.
const (
	// ExitOK: the command did what it was asked.
	ExitOK = 0
	// ExitFailed: the operation failed: the server refused it, the ledger
	// drifts, a credential is invalid, a file could not be read, ...
	ExitFailed = 1
	// ExitUsage: the command line is wrong (unknown command, bad flag,
	// missing argument).
	ExitUsage = 2
	// ExitUnreachable: the server (for commands that go through the admin
	// API) or the database (for those that open it) cannot be reached.
	ExitUnreachable = 3
)

// APIError is an error the admin API answered with, in its OpenAI-shaped
// body: {"error": {"message", "type", "param", "code"}}.
type APIError struct {
	Status  int    // the HTTP status; 0 for an error reported in a stream
	Message string // the API's message, safe to show
	Type    string // e.g. invalid_request_error
	Param   string // the field at fault, when the API names one
	Code    string // e.g. not_found, invalid_admin_key
}

func (e *APIError) Error() string {
	var b strings.Builder
	var why []string
	if e.Status != 0 {
		why = append(why, fmt.Sprint(e.Status))
	}
	if e.Code != "" {
		why = append(why, e.Code)
	}
	b.WriteString("the server refused")
	if len(why) > 0 {
		b.WriteString(" (" + strings.Join(why, " ") + ")")
	}
	b.WriteString(": " + e.Message)
	if e.Param != "" {
		b.WriteString(" (field " + e.Param + ")")
	}
	return b.String()
}

// usageError is a command line the command cannot run; it exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// unreachableError is a server or database that does not answer; it
// exits 3.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }

// failedError is an operation that ran and found a problem (drift,
// invalid credentials) it already reported; it exits 1.
type failedError struct{ msg string }

func (e *failedError) Error() string { return e.msg }

// ExitCode returns the exit code for the error a command returned: 0 for
// nil, 2 for a usage error, 3 when the server or database cannot be
// reached, 1 otherwise.
func ExitCode(err error) int {
	var u *usageError
	var unreach *unreachableError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &u):
		return ExitUsage
	case errors.As(err, &unreach):
		return ExitUnreachable
	}
	return ExitFailed
}

// transportError classifies an error of the HTTP client: one that never
// got an answer (refused, no such host, timeout) is unreachable.
func transportError(base string, err error) error {
	var ue *url.Error
	var ne net.Error
	var oe *net.OpError
	var de *net.DNSError
	if errors.As(err, &oe) || errors.As(err, &de) || (errors.As(err, &ne) && ne.Timeout()) || errors.As(err, &ue) {
		return &unreachableError{fmt.Errorf("cannot reach the Tollgate server at %s (set --url or TOLLGATE_URL): %w", base, err)}
	}
	return err
}
