package gateway

import "context"

// Tracer starts spans for requests and upstream attempts; the zero Config
// uses a no-op one.
//
// The Gateway calls StartRequest when a request begins and its end func
// exactly once when the request ends: after the response for Chat and
// Embeddings, when the stream ends or is closed for ChatStream. Each call
// to an upstream credential is wrapped in StartAttempt, with the ctx the
// request span returned, and the ctx StartAttempt returns is the one the
// Upstream receives, so an adapter can propagate the span (W3C trace
// context) to the provider. The Gateway never reads what a Tracer puts in
// a context.
//
// Both are called on the request path: they must be quick and never
// block, like an Observer.
type Tracer interface {
	// StartRequest starts the span of one client request; end records its
	// outcome (err nil for success) and attributes. The record passed to
	// end is complete (usage, cost, attempts, Code and the client-safe
	// Error); end must not keep it.
	StartRequest(ctx context.Context, endpoint, model string) (context.Context, func(rec *RequestRecord, err error))
	// StartAttempt starts the span of one upstream call within the request
	// span in ctx: to the provider with that ID, with the credential of
	// that ID (never its secret), for the model the provider was sent. end
	// records the outcome: status is the provider's HTTP status when the
	// attempt failed with one, else 0. For a stream the attempt ends at
	// its first chunk; the request span runs on to the stream's end.
	StartAttempt(ctx context.Context, provider, credentialID, model string) (context.Context, func(status int, err error))
}

// noTracer is the Tracer of a Config without one: it returns ctx as it
// was and shared end funcs, so tracing off costs no allocation.
type noTracer struct{}

func (noTracer) StartRequest(ctx context.Context, _, _ string) (context.Context, func(*RequestRecord, error)) {
	return ctx, endNoRequest
}

func (noTracer) StartAttempt(ctx context.Context, _, _, _ string) (context.Context, func(int, error)) {
	return ctx, endNoAttempt
}

func endNoRequest(*RequestRecord, error) {}

func endNoAttempt(int, error) {}
