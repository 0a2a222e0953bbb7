package gateway

import (
	"context"
	"errors"
	"time"
)

// inflight is a request on its way through the Gateway: the record being
// filled in and what is needed to finish it.
type inflight struct {
	rec   *RequestRecord
	model *Model // the catalog entry, for prices; nil when not in the catalog
	// chain is the providers that may serve it, whose prices its hold
	// must cover (see mostCost); set before enter.
	chain []hop
	start time.Time
	adm   *admission  // what the limits gave, to settle at the end
	holds []heldFunds // what is held for it (balance, budgets), to settle at the end
	// req and resp are the bodies, kept in the record when asked for.
	req, resp any
	stream    []byte // a stream's chunks, when bodies are kept
	done      bool
	span      func(*RequestRecord, error) // ends the request's span
	// streamed marks a stream: its last attempt is judged when the
	// stream ends, by endAttempt, not when its first chunk arrives.
	streamed   bool
	endAttempt func(error)
}

// NewRequestID returns a new request id, as the Gateway gives a request
// whose Caller has none. A host that answers before the Gateway is
// reached (a malformed body, a refused key) uses it to name that answer
// too, and passes it on as Caller.RequestID when it gets that far.
func (g *Gateway) NewRequestID() string { return g.ids.NewID("req_") }

// begin starts a request; the context it returns carries the request's
// span, for the rest of the request.
func (g *Gateway) begin(ctx context.Context, c *Caller, endpoint, model string, stream bool) (context.Context, *inflight) {
	now := g.clock.Now()
	if c.RequestID == "" {
		c.RequestID = g.ids.NewID("req_")
	}
	g.meter.start(c.Account.ID)
	ctx, span := g.cfg.Tracer.StartRequest(ctx, endpoint, model)
	return ctx, &inflight{
		start: now,
		span:  span,
		rec: &RequestRecord{
			ID:              c.RequestID,
			Time:            now,
			AccountID:       c.Account.ID,
			KeyID:           c.Key.ID,
			Namespace:       c.Namespace,
			Endpoint:        endpoint,
			Model:           model,
			Stream:          stream,
			ClientIP:        g.hashIP(c.ClientIP),
			ClientRequestID: c.ClientRequestID,
		},
	}
}

// finishTimeout bounds the Cache calls that end a request.
const finishTimeout = 5 * time.Second

// finish completes the record with the outcome, ends the request's span
// and hands the record to the Recorder; it runs once per request.
func (g *Gateway) finish(in *inflight, err error) {
	if in.done {
		return
	}
	in.done = true
	r := in.rec
	r.Latency = g.clock.Now().Sub(in.start)
	if err != nil {
		e := AsError(err)
		if errors.Is(err, context.Canceled) {
			e = &Error{Code: CodeCanceled, Message: "the client closed the request"}
		}
		r.Code, r.Error = e.Code, e.Message
	}
	if m := g.snapshot().pricedModel(r.ProviderID, in.model); m != nil {
		r.Prices = m.Prices
		// A request that failed with nothing used (refused, or the
		// upstream failed) costs nothing, its per-request fee included.
		if err == nil || r.Usage.PromptTokens > 0 || r.Usage.CompletionTokens > 0 {
			r.Cost = r.Prices.Cost(r.Usage)
		}
	}
	if g.wantsBodies(r.ProviderID) {
		r.RequestBody = bodyOf(in.req)
		if in.stream != nil {
			r.ResponseBody = capBody(string(Redact(in.stream)))
		} else if in.resp != nil {
			r.ResponseBody = bodyOf(in.resp)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), finishTimeout)
	g.leave(ctx, in, r.Cost)
	g.settle(ctx, in)
	cancel()
	for _, h := range in.holds {
		g.biller.settle(settlement{heldFunds: h, request: r.ID, cost: r.Cost, at: r.Time})
	}
	g.meter.end(r.AccountID, int64(r.Usage.TotalTokens), g.clock.Now())
	for _, o := range g.cfg.Observers {
		o.Observe(r)
	}
	in.span(r, err)
	g.rec.Record(r)
}

// wantsBodies reports whether records of requests served by the provider
// keep their bodies.
func (g *Gateway) wantsBodies(providerID string) bool {
	if g.cfg.LogBodies {
		return true
	}
	t, ok := g.snapshot().providers[providerID]
	return ok && t.provider.Options["log_bodies"] == "true"
}
