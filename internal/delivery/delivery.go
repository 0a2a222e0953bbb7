// Package delivery holds what the HTTP notifiers (webhook, Slack) share
// about a failed delivery: how to classify it without repeating the URL,
// which often holds the credential, and how to read Retry-After.
package delivery

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// TransportError classifies a failure to get an answer from who (a name
// safe to show): a timeout, a cancellation by the caller, or an
// unreachable receiver. The *url.Error around err is dropped, since its
// text holds the whole URL, query and userinfo included.
func TransportError(ctx context.Context, who string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return &gateway.Error{Code: gateway.CodeUpstreamTimeout, Message: who + " did not answer in time", Err: err}
	case errors.Is(ctx.Err(), context.Canceled):
		return &gateway.Error{Code: gateway.CodeCanceled, Message: who + ": delivery canceled", Err: err}
	}
	return &gateway.Error{Code: gateway.CodeUpstream, Message: who + " could not be reached", Err: err}
}

// RetryAfter reads a Retry-After header given in seconds; 0 otherwise.
func RetryAfter(v string) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || s <= 0 {
		return 0
	}
	return time.Duration(s) * time.Second
}
