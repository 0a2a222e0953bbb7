// Package mock is a test and demo provider: provider type "mock" answers
// chat, streaming and embedding requests in OpenAI's shapes without any
// network, like LiteLLM's mock responses. It is not a model and never
// calls one; use it for demos, tests and benchmarks of the gateway itself.
//
// Its behaviour comes from the Provider's Options (all strings):
//
//	reply    fixed reply text; default "Echo: " + the last user message's
//	         text, or "This is a mock response from Tollgate." if none
//	chunks   number of content chunks a streamed reply is split into (5)
//	delay    Go duration between streamed chunks ("20ms"; default 0)
//	latency  Go duration before answering (default 0)
//	fail     an HTTP status (400-599): every call fails with the matching
//	         gateway error, Status set and Delivered false
//
// Token usage is counted in words: prompt tokens are the words of every
// message's text plus 4 per message plus 3, completion tokens the words of
// the reply. When the request offers tools, the last message is the
// user's and tool_choice is not "none", the reply is a call to the first
// tool (or the one tool_choice names) with arguments "{}".
package mock

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

var (
	_ gateway.Upstream    = (*Upstream)(nil)
	_ gateway.Embedder    = (*Upstream)(nil)
	_ gateway.ModelLister = (*Upstream)(nil)
)

// Upstream is the mock provider for one gateway.Provider, built by New (the
// zero Upstream is not usable). It is safe for concurrent use and holds no
// resources, so it needs no Close.
type Upstream struct {
	reply   string // "" means echo
	chunks  int
	delay   time.Duration
	latency time.Duration
	fail    int // 0 means succeed
	models  []string
	created int64        // the provider's creation time, for ListModels
	seq     atomic.Int64 // numbers ids: chatcmpl-mock-<n>, call_mock_<n>
	now     func() time.Time
}

const defaultChunks = 5

// New returns a mock Upstream configured by p.Options (see the package
// doc). An option that does not parse is CodeInvalid with Field
// "options.<name>". The created timestamps of responses come from
// time.Now.
func New(p *gateway.Provider) (*Upstream, error) {
	u := &Upstream{reply: p.Options["reply"], chunks: defaultChunks, now: time.Now}
	if v, ok := p.Options["chunks"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return nil, gateway.Invalid("options.chunks", "options.chunks must be a whole number from 1 to 10000")
		}
		u.chunks = n
	}
	var err error
	if u.delay, err = durationOption(p, "delay"); err != nil {
		return nil, err
	}
	if u.latency, err = durationOption(p, "latency"); err != nil {
		return nil, err
	}
	if v, ok := p.Options["fail"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 400 || n > 599 {
			return nil, gateway.Invalid("options.fail", "options.fail must be an HTTP error status from 400 to 599")
		}
		u.fail = n
	}
	if !p.CreatedAt.IsZero() {
		u.created = p.CreatedAt.Unix()
	}
	for _, m := range p.Models {
		if !hasWildcard(m) {
			u.models = append(u.models, m)
		}
	}
	return u, nil
}

// Driver returns a gateway.Driver that opens providers of type "mock" with
// New.
func Driver() gateway.Driver {
	return gateway.DriverFunc(func(p *gateway.Provider) (gateway.Upstream, error) {
		u, err := New(p)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return u, nil
	})
}

// durationOption parses a non-negative Go duration option; absent is 0.
func durationOption(p *gateway.Provider, name string) (time.Duration, error) {
	v, ok := p.Options[name]
	if !ok {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, gateway.Invalid("options."+name, "options.%s must be a non-negative Go duration such as \"50ms\"", name)
	}
	return d, nil
}

// hasWildcard reports whether a model pattern has path.Match meta
// characters.
func hasWildcard(pattern string) bool {
	for _, c := range pattern {
		switch c {
		case '*', '?', '[', '\\':
			return true
		}
	}
	return false
}

// begin waits out the latency and applies the fail option; every call
// starts with it.
func (u *Upstream) begin(ctx context.Context) error {
	if err := wait(ctx, u.latency); err != nil {
		return err
	}
	if u.fail != 0 {
		return failure(u.fail)
	}
	return nil
}

// wait sleeps for d or until ctx ends. Cancellation is CodeUpstream
// wrapping context.Canceled, a deadline CodeUpstreamTimeout; both are
// Delivered, as from a real provider that had the request.
func wait(ctx context.Context, d time.Duration) error {
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	switch err := ctx.Err(); {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return &gateway.Error{Code: gateway.CodeUpstreamTimeout, Message: "mock: request timed out", Delivered: true, Err: err}
	default:
		return &gateway.Error{Code: gateway.CodeUpstream, Message: "mock: request canceled", Delivered: true, Err: err}
	}
}

// failure returns the error the fail option asks for, coded as a real
// provider's status would be.
func failure(status int) error {
	e := &gateway.Error{
		Code:    gateway.CodeUpstream,
		Status:  status,
		Type:    "mock_failure",
		Message: fmt.Sprintf("mock: failing with status %d as configured (options.fail)", status),
	}
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		e.Code = gateway.CodeInvalid
	case http.StatusNotFound:
		e.Code = gateway.CodeNotFound
	case http.StatusRequestTimeout:
		e.Code = gateway.CodeUpstreamTimeout
	case http.StatusTooManyRequests:
		e.Code = gateway.CodeRateLimited
		e.RetryAfter = time.Second
	}
	return e
}
