package openai_test

import (
	"context"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// With a propagator set, as the server host sets one when tracing is on,
// every request to the provider carries the W3C trace context of the span
// in its ctx (the gateway's attempt span), and nothing without a span.
//
// The propagator is global: this test is not parallel, so no other test
// of the package runs while it is set.
func TestTraceContextPropagated(t *testing.T) {
	is := is.New(t)
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })

	srv := openaitest.New(t, testKey)
	u := mustNew(t, srv.URL, openai.Config{})
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	const want = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

	_, err := u.Chat(ctx, cred(testKey), userChat("gpt-4o-mini", "hi"))
	is.NoErr(err)
	s, err := u.ChatStream(ctx, cred(testKey), userChat("gpt-4o-mini", "hi"))
	is.NoErr(err)
	drain(t, s)
	is.NoErr(s.Close())
	_, err = u.Chat(context.Background(), cred(testKey), userChat("gpt-4o-mini", "hi"))
	is.NoErr(err)

	reqs := srv.Requests()
	is.Equal(len(reqs), 3)
	is.Equal(reqs[0].Header.Get("Traceparent"), want) // whole
	is.Equal(reqs[1].Header.Get("Traceparent"), want) // streamed
	is.Equal(reqs[2].Header.Get("Traceparent"), "")   // no span, nothing sent
	is.Equal(reqs[0].Header.Get("Authorization"), "Bearer "+testKey)
}
