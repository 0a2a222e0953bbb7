package oteltrace_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/oteltrace"
	"github.com/tollgate-ai/tollgate/gateway"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func newTracer(t *testing.T) (*oteltrace.Tracer, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return oteltrace.New(tp), exp
}

func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value)
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

// A request that failed over once: one request span, two attempt spans
// under it, with the documented names, kinds, attributes and statuses.
func TestSpans(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	tr, exp := newTracer(t)

	ctx, endRequest := tr.StartRequest(context.Background(), "chat", "gpt-4o")
	is.True(trace.SpanContextFromContext(ctx).IsValid())
	actx, endAttempt := tr.StartAttempt(ctx, "prov_1", "cred_1", "gpt-4o-2024")
	is.Equal(trace.SpanContextFromContext(actx).TraceID(), trace.SpanContextFromContext(ctx).TraceID())
	endAttempt(502, &gateway.Error{Code: gateway.CodeUpstream, Status: 502, Message: "bad gateway"})
	_, endAttempt = tr.StartAttempt(ctx, "prov_1", "cred_2", "gpt-4o-2024")
	endAttempt(0, nil)
	rec := &gateway.RequestRecord{
		ID: "req_1", AccountID: "acct_1", KeyID: "key_1", Model: "gpt-4o", ServedModel: "gpt-4o-2024-08-06",
		ProviderID: "prov_1", CredentialID: "cred_2", Stream: true, Cost: 7500,
		Attempts:  []gateway.Attempt{{}, {}},
		Usage:     gateway.Usage{PromptTokens: 1000, CompletionTokens: 500, TotalTokens: 1500},
		ClientIP:  "hashed-address",
		Namespace: "ns",
	}
	endRequest(rec, nil)

	spans := exp.GetSpans()
	is.Equal(len(spans), 3) // ended in this order: two attempts, then the request
	first, second, req := spans[0], spans[1], spans[2]

	is.Equal(req.Name, oteltrace.RequestSpan)
	is.Equal(req.SpanKind, trace.SpanKindServer)
	is.Equal(req.Status.Code, codes.Unset)
	is.Equal(req.InstrumentationScope.Name, oteltrace.ScopeName)
	ra := attrs(req)
	is.Equal(ra["gen_ai.operation.name"].AsString(), "chat")
	is.Equal(ra["gen_ai.request.model"].AsString(), "gpt-4o")
	is.Equal(ra["gen_ai.response.model"].AsString(), "gpt-4o-2024-08-06")
	is.Equal(ra["gen_ai.usage.input_tokens"].AsInt64(), int64(1000))
	is.Equal(ra["gen_ai.usage.output_tokens"].AsInt64(), int64(500))
	is.Equal(ra["tollgate.request_id"].AsString(), "req_1")
	is.Equal(ra["tollgate.account_id"].AsString(), "acct_1")
	is.Equal(ra["tollgate.key_id"].AsString(), "key_1")
	is.Equal(ra["tollgate.provider_id"].AsString(), "prov_1")
	is.Equal(ra["tollgate.attempts"].AsInt64(), int64(2))
	is.Equal(ra["tollgate.stream"].AsBool(), true)
	is.Equal(ra["tollgate.cost_micros"].AsInt64(), int64(7500))
	_, hasErr := ra["error.type"]
	is.True(!hasErr)

	for _, a := range []tracetest.SpanStub{first, second} {
		is.Equal(a.Name, oteltrace.AttemptSpan)
		is.Equal(a.SpanKind, trace.SpanKindClient)
		is.Equal(a.Parent.SpanID(), req.SpanContext.SpanID()) // a child of the request span
		is.Equal(a.SpanContext.TraceID(), req.SpanContext.TraceID())
		aa := attrs(a)
		is.Equal(aa["tollgate.provider_id"].AsString(), "prov_1")
		is.Equal(aa["gen_ai.request.model"].AsString(), "gpt-4o-2024")
	}
	fa, sa := attrs(first), attrs(second)
	is.Equal(fa["tollgate.credential_id"].AsString(), "cred_1")
	is.Equal(fa["http.response.status_code"].AsInt64(), int64(502))
	is.Equal(fa["error.type"].AsString(), string(gateway.CodeUpstream))
	is.Equal(first.Status.Code, codes.Error)
	is.Equal(first.Status.Description, "bad gateway")
	is.Equal(sa["tollgate.credential_id"].AsString(), "cred_2")
	_, hasStatus := sa["http.response.status_code"]
	is.True(!hasStatus)
	is.Equal(second.Status.Code, codes.Unset)

	// Nothing about the client beyond its account and key IDs: not even
	// the hash of its address.
	for _, s := range spans {
		for _, kv := range s.Attributes {
			is.True(!strings.Contains(kv.Value.Emit(), "hashed-address"))
		}
	}
}

// A failed request carries the recorded code and client-safe message,
// never the wrapped internal error.
func TestFailedRequest(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	tr, exp := newTracer(t)
	_, end := tr.StartRequest(context.Background(), "embeddings", "m")
	end(&gateway.RequestRecord{ID: "req_2", Code: gateway.CodeRateLimited, Error: "slow down", LimitedBy: "requests_per_minute"},
		&gateway.Error{Code: gateway.CodeRateLimited, Message: "slow down"})
	_, end = tr.StartRequest(context.Background(), "chat", "m")
	secret := errors.New("dial tcp: sk-live-secret")
	end(&gateway.RequestRecord{ID: "req_3", Code: gateway.CodeInternal, Error: "internal error"}, gateway.Internal(secret))

	spans := exp.GetSpans()
	is.Equal(len(spans), 2)
	limited, internal := spans[0], spans[1]
	is.Equal(limited.Status.Code, codes.Error)
	is.Equal(limited.Status.Description, "slow down")
	la := attrs(limited)
	is.Equal(la["error.type"].AsString(), string(gateway.CodeRateLimited))
	is.Equal(la["tollgate.limited_by"].AsString(), "requests_per_minute")
	is.Equal(la["gen_ai.operation.name"].AsString(), "embeddings")
	is.Equal(internal.Status.Description, "internal error")
	for _, s := range spans {
		is.Equal(len(s.Events), 0) // no recorded error event with the raw error
		for _, kv := range s.Attributes {
			is.True(!strings.Contains(kv.Value.Emit(), "sk-live"))
		}
	}
}

// Sampled out, the spans still carry a valid context (to propagate the
// decision upstream) and nothing is exported.
func TestSampledOut(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithSampler(sdktrace.NeverSample()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	tr := oteltrace.New(tp)
	ctx, end := tr.StartRequest(context.Background(), "chat", "m")
	actx, endAttempt := tr.StartAttempt(ctx, "p", "c", "m")
	sc := trace.SpanContextFromContext(actx)
	is.True(sc.IsValid())
	is.True(!sc.IsSampled())
	endAttempt(0, nil)
	end(&gateway.RequestRecord{}, nil)
	is.Equal(len(exp.GetSpans()), 0)
}
