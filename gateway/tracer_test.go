package gateway_test

import (
	"context"
	"sync"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

// spanKey holds a fakeSpan in a context, as an OpenTelemetry tracer keeps
// its span there.
type spanKey struct{}

// fakeSpan is what fakeTracer saw of one span.
type fakeSpan struct {
	kind                      string // "request" or "attempt"
	endpoint, model, provider string
	credential                string
	parent                    *fakeSpan // the span in the context it was started with
	ends                      int
	rec                       gateway.RequestRecord // a copy, for request spans
	status                    int
	err                       error
}

// fakeTracer records the spans the Gateway starts and ends.
type fakeTracer struct {
	mu    sync.Mutex
	spans []*fakeSpan
}

func (f *fakeTracer) start(ctx context.Context, s *fakeSpan) context.Context {
	s.parent, _ = ctx.Value(spanKey{}).(*fakeSpan)
	f.mu.Lock()
	f.spans = append(f.spans, s)
	f.mu.Unlock()
	return context.WithValue(ctx, spanKey{}, s)
}

func (f *fakeTracer) StartRequest(ctx context.Context, endpoint, model string) (context.Context, func(*gateway.RequestRecord, error)) {
	s := &fakeSpan{kind: "request", endpoint: endpoint, model: model}
	return f.start(ctx, s), func(rec *gateway.RequestRecord, err error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		s.ends++
		s.rec, s.err = *rec, err
	}
}

func (f *fakeTracer) StartAttempt(ctx context.Context, provider, credentialID, model string) (context.Context, func(int, error)) {
	s := &fakeSpan{kind: "attempt", provider: provider, credential: credentialID, model: model}
	return f.start(ctx, s), func(status int, err error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		s.ends++
		s.status, s.err = status, err
	}
}

// all returns copies of the spans, in the order they started.
func (f *fakeTracer) all() []fakeSpan {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]fakeSpan, len(f.spans))
	for i, s := range f.spans {
		out[i] = *s
	}
	return out
}

// A chat that fails over once is one request span with two attempt spans
// under it: the first with the provider's status and error, the second a
// success. The request span is the child of the caller's.
func TestTracerSpansRequestAndAttempts(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	tr := &fakeTracer{}
	f := newFixtureWith(t, gateway.Config{Tracer: tr})
	p := f.provider(t, "alpha", []string{"m"}, 1, 1)
	f.fakes.get("alpha").fail(upstreamErr(gateway.CodeUpstream, 502, false))
	c := f.caller(t, gateway.KeySpec{})
	client := &fakeSpan{kind: "client"}
	ctx := context.WithValue(context.Background(), spanKey{}, client)

	_, err := f.gw.Chat(ctx, c, userChat("m", "hi"))
	is.NoErr(err)

	spans := tr.all()
	is.Equal(len(spans), 3)
	req, first, second := spans[0], spans[1], spans[2]
	is.Equal(req.kind, "request")
	is.Equal(req.endpoint, "chat")
	is.Equal(req.model, "m")
	is.True(req.parent == client) // within the caller's span
	is.Equal(req.ends, 1)
	is.NoErr(req.err)
	is.Equal(req.rec.ID, c.RequestID)
	is.Equal(req.rec.AccountID, c.Account.ID)
	is.Equal(req.rec.Usage.TotalTokens, 1500)
	is.Equal(len(req.rec.Attempts), 2)

	for _, a := range []fakeSpan{first, second} {
		is.Equal(a.kind, "attempt")
		is.Equal(a.ends, 1)
		is.Equal(a.provider, p.ID)
		is.Equal(a.model, "m")
		is.Equal(a.parent.kind, "request") // the attempt ctx is a child of the request ctx
		is.Equal(a.parent.rec.ID, c.RequestID)
	}
	is.Equal(first.status, 502)
	is.Equal(gateway.ErrorCode(first.err), gateway.CodeUpstream)
	is.Equal(second.status, 0)
	is.NoErr(second.err)
	is.True(first.credential != second.credential)
	is.Equal(first.credential, req.rec.Attempts[0].CredentialID)
	is.Equal(second.credential, req.rec.CredentialID)
}

// A request refused before any upstream call is a request span alone,
// ended with the error.
func TestTracerRequestFailsBeforeAttempts(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	tr := &fakeTracer{}
	f := newFixtureWith(t, gateway.Config{Tracer: tr})
	f.provider(t, "alpha", []string{"m"}, 1)
	c := f.caller(t, gateway.KeySpec{})

	_, err := f.gw.Embeddings(context.Background(), c, &gateway.EmbedRequest{Model: "nothing-serves-this", Input: []byte(`"hi"`)})
	is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound)
	spans := tr.all()
	is.Equal(len(spans), 1)
	is.Equal(spans[0].endpoint, "embeddings")
	is.Equal(spans[0].ends, 1)
	is.Equal(gateway.ErrorCode(spans[0].err), gateway.CodeNotFound)
	is.Equal(spans[0].rec.Code, gateway.CodeNotFound)
}

// A stream's request span ends when the stream ends, not when ChatStream
// returns, and so does its last attempt's (the upstream call lasts as
// long as the stream). Closed early, each ends once, canceled.
func TestTracerStreamSpanEndsWithTheStream(t *testing.T) {
	t.Parallel()
	for _, early := range []bool{false, true} {
		name := "Drained"
		if early {
			name = "ClosedEarly"
		}
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			tr := &fakeTracer{}
			f := newFixtureWith(t, gateway.Config{Tracer: tr})
			f.provider(t, "alpha", []string{"m"}, 1)
			c := f.caller(t, gateway.KeySpec{})
			req := userChat("m", "hi")
			req.Stream = true

			s, err := f.gw.ChatStream(context.Background(), c, req)
			is.NoErr(err)
			spans := tr.all()
			is.Equal(len(spans), 2)
			is.Equal(spans[0].ends, 0) // the request runs on with the stream
			is.Equal(spans[1].kind, "attempt")
			is.Equal(spans[1].ends, 0) // and so does the attempt

			if early {
				_, err = s.Next()
				is.NoErr(err)
				is.NoErr(s.Close())
			} else {
				is.Equal(len(drain(t, s)), 3) // drain closes it too
			}
			is.NoErr(s.Close()) // a second Close ends nothing again
			spans = tr.all()
			is.Equal(spans[0].ends, 1)
			is.Equal(spans[1].ends, 1)
			is.Equal(spans[1].err != nil, early) // canceled when closed early
			is.True(spans[0].rec.Stream)
			if early {
				is.Equal(spans[0].rec.Code, gateway.CodeCanceled)
				is.True(spans[0].err != nil)
			} else {
				is.NoErr(spans[0].err)
				is.Equal(spans[0].rec.Usage.TotalTokens, 1500)
			}
		})
	}
}
