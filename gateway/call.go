package gateway

import (
	"context"
	"errors"
	"time"
)

// Chat answers a chat request with a whole completion.
//
// Errors: CodeInvalid for a bad request, CodeForbidden when the key may not
// use the model, CodeNotFound when no provider serves it, CodeUnavailable
// when its providers have no active credential, and the upstream codes of
// the last attempt when every attempt failed.
func (g *Gateway) Chat(ctx context.Context, c *Caller, req *ChatRequest) (*ChatResponse, error) {
	ctx, in := g.begin(ctx, c, "chat", req.Model, false)
	in.req = req
	resp, err := g.chat(ctx, c, req, in)
	if err == nil {
		in.resp = resp
	}
	if err == nil && resp.Usage != nil {
		in.rec.Usage = *resp.Usage
		in.rec.ServedModel = resp.Model
	}
	g.finish(in, err)
	return resp, err
}

func (g *Gateway) chat(ctx context.Context, c *Caller, req *ChatRequest, in *inflight) (*ChatResponse, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	chain, err := g.prepare(ctx, c, in, req.Model, chatEstimate(req))
	if err != nil {
		return nil, err
	}
	var resp *ChatResponse
	err = g.attempt(ctx, chain, in, func(ctx context.Context, h hop, cred *Credential) error {
		sent := *req
		sent.Model = h.model
		sent.Stream, sent.StreamOptions = false, nil
		r, err := h.target.upstream.Chat(ctx, cred, &sent)
		resp = r
		return err
	})
	return resp, err
}

// Embeddings answers an embeddings request. Errors as Chat, and
// CodeInvalid when the chosen provider does not serve embeddings.
func (g *Gateway) Embeddings(ctx context.Context, c *Caller, req *EmbedRequest) (*EmbedResponse, error) {
	ctx, in := g.begin(ctx, c, "embeddings", req.Model, false)
	in.req = req
	var resp *EmbedResponse
	err := req.Validate()
	var chain []hop
	if err == nil {
		chain, err = g.prepare(ctx, c, in, req.Model, estimate{promptBytes: int64(len(req.Input))})
	}
	if err == nil {
		err = g.attempt(ctx, chain, in, func(ctx context.Context, h hop, cred *Credential) error {
			e, ok := h.target.upstream.(Embedder)
			if !ok {
				return Errorf(CodeInvalid, "provider %s does not serve embeddings", h.target.provider.Name)
			}
			sent := *req
			sent.Model = h.model
			r, err := e.Embed(ctx, cred, &sent)
			resp = r
			return err
		})
	}
	if err == nil {
		in.rec.Usage = resp.Usage
		in.rec.ServedModel = resp.Model
		in.resp = resp
	}
	g.finish(in, err)
	return resp, err
}

// prepare routes model for c, admits the request under its limits and,
// for a prepaid account, holds the most it may cost; a request for a
// model it may not use, or that nothing serves, takes nothing from its
// limits. It returns the provider chain.
func (g *Gateway) prepare(ctx context.Context, c *Caller, in *inflight, model string, est estimate) ([]hop, error) {
	snap := g.snapshot()
	name, chain, err := snap.route(c, model)
	in.rec.Model = model
	if err != nil {
		return nil, err
	}
	in.model = snap.models[name]
	in.chain = chain
	if err := g.enter(ctx, c, in, est); err != nil {
		return nil, err
	}
	return chain, nil
}

// attempt runs call on the chain's credentials until one succeeds, an
// error may not be retried, or MaxAttempts calls were made. Within a
// provider the credentials are tried in the picker's order before the
// next provider of the chain. A failure the provider's retry policies
// match is handled as its rule says (see RetryPolicy); the rest as
// retryable says. Each call runs in its attempt's span.
func (g *Gateway) attempt(ctx context.Context, chain []hop, in *inflight, call func(context.Context, hop, *Credential) error) error {
	tried := make(map[string]bool)
	snap := g.snapshot()
	var last error
	for _, h := range chain {
		br := g.breakers.get(h.target.provider)
	provider:
		for len(in.rec.Attempts) < g.cfg.MaxAttempts {
			if d := g.cfg.FailoverDeadline; d > 0 && last != nil && g.clock.Now().Sub(in.start) >= d {
				return last // no time left to try another
			}
			// A pinned credential serves while it can; the others stand by.
			cred := h.target.picker.pinned(h.target.provider.Options["pinned_credential"], tried, g.clock.Now())
			if cred == nil {
				cred = h.target.picker.pick(tried, g.clock.Now())
			}
			if cred == nil {
				break
			}
			tried[cred.ID] = true
			err := g.try(ctx, h, br, cred, in, call)
			if err == nil {
				return nil
			}
			last = err
			if IsCode(err, CodeUnavailable) && AsError(err).Type == "circuit_open" {
				break // an open breaker skips the provider
			}
			e := AsError(err)
			rule := snap.ruleFor(h.target.provider, e)
			if rule == nil || e.Delivered || ctx.Err() != nil {
				if !retryable(err) || ctx.Err() != nil {
					return err
				}
				continue
			}
			switch rule.Action {
			case ActionFail:
				return err
			case ActionNextProvider:
				break provider
			case ActionDisableCredential:
				d := rule.DisableFor
				if d <= 0 {
					d = 5 * time.Minute
				}
				g.changeCredential(cred.ID, StatusDisabled, g.clock.Now().Add(d), "retry policy: "+e.Message)
			case ActionInvalidateCredential:
				g.changeCredential(cred.ID, StatusInvalid, time.Time{}, "retry policy: "+e.Message)
			case ActionRetry:
				if err = g.retrySame(ctx, h, br, cred, in, call, rule); err == nil {
					return nil
				}
				last = err
			}
		}
	}
	if last == nil {
		return Errorf(CodeUnavailable, "no active upstream credential for model %s", quote(in.rec.Model))
	}
	return last
}

// try makes one attempt with cred, through the provider's breaker, and
// records it.
func (g *Gateway) try(ctx context.Context, h hop, br *breaker, cred *Credential, in *inflight, call func(context.Context, hop, *Credential) error) error {
	tk, err := br.allow(ctx, g.cache)
	if err != nil {
		// An open breaker: nothing is sent.
		in.rec.Attempts = append(in.rec.Attempts, newAttempt(h, cred, err, 0))
		return err
	}
	start := g.clock.Now()
	actx, span := g.cfg.Tracer.StartAttempt(ctx, h.target.provider.ID, cred.ID, h.model)
	err = call(actx, h, cred)
	in.rec.ProviderID, in.rec.CredentialID = h.target.provider.ID, cred.ID
	if err == nil && in.streamed {
		// The stream goes on to the client: whether the attempt worked
		// (for the breaker, the credential and the record) is known when
		// it ends (TwoStepCircuitBreaker's point).
		i := len(in.rec.Attempts)
		in.rec.Attempts = append(in.rec.Attempts, newAttempt(h, cred, nil, 0))
		in.endAttempt = func(err error) {
			tk.end(err)
			g.credentialOutcome(context.WithoutCancel(ctx), h.target, br, cred, err)
			if errors.Is(err, context.Canceled) {
				err = &Error{Code: CodeCanceled, Message: "the client closed the stream"}
			}
			a := newAttempt(h, cred, err, g.clock.Now().Sub(start))
			span(a.Status, err)
			in.rec.Attempts[i] = a
		}
		return nil
	}
	tk.end(err)
	g.credentialOutcome(ctx, h.target, br, cred, err)
	a := newAttempt(h, cred, err, g.clock.Now().Sub(start))
	span(a.Status, err)
	in.rec.Attempts = append(in.rec.Attempts, a)
	return err
}

// retrySame calls cred again as an ActionRetry rule says: up to its
// MaxRetries (1 when unset) more times, Backoff apart, within
// MaxAttempts, while the failures are not Delivered.
func (g *Gateway) retrySame(ctx context.Context, h hop, br *breaker, cred *Credential, in *inflight, call func(context.Context, hop, *Credential) error, rule *RetryRule) error {
	var err error
	for range max(rule.MaxRetries, 1) {
		if len(in.rec.Attempts) >= g.cfg.MaxAttempts {
			break
		}
		if rule.Backoff > 0 {
			t := time.NewTimer(rule.Backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		if err = g.try(ctx, h, br, cred, in, call); err == nil || AsError(err).Delivered {
			return err
		}
	}
	return err
}

// retryable reports whether another credential or provider may be tried
// after err: the upstream failed, and cannot have processed the request.
func retryable(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Delivered {
		return false
	}
	switch e.Code {
	case CodeUpstream, CodeUpstreamTimeout, CodeRateLimited:
		return true
	}
	return false
}

func newAttempt(h hop, cred *Credential, err error, d time.Duration) Attempt {
	a := Attempt{ProviderID: h.target.provider.ID, CredentialID: cred.ID, Latency: d}
	if err != nil {
		e := AsError(err)
		a.Code, a.Status, a.Error = e.Code, e.Status, e.Message
	}
	return a
}
