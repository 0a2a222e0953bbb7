// Package oteltrace is the gateway.Tracer on OpenTelemetry: a span per
// client request and a child span per upstream attempt, with attributes
// from the OpenTelemetry GenAI semantic conventions where they exist.
//
// The request span, "tollgate.request" (kind server), covers the whole
// request, a stream until its end:
//
//	gen_ai.operation.name       "chat" or "embeddings"
//	gen_ai.request.model        the model the client asked for
//	gen_ai.response.model       the model the upstream reported serving
//	gen_ai.usage.input_tokens   prompt tokens
//	gen_ai.usage.output_tokens  completion tokens
//	tollgate.request_id, tollgate.account_id, tollgate.key_id,
//	tollgate.provider_id (of the attempt that answered, or the last tried),
//	tollgate.attempts, tollgate.stream, tollgate.cost_micros,
//	tollgate.limited_by (when a limit refused the request)
//	error.type                  the gateway.Code of a failed request
//
// Each upstream attempt span, "tollgate.upstream" (kind client), is a
// child of it, and is the span whose context the provider adapters send
// upstream as W3C trace context (see adapters/providers/openai):
//
//	gen_ai.request.model        the model the provider was sent
//	tollgate.provider_id, tollgate.credential_id
//	http.response.status_code   the provider's status, when it failed with one
//	error.type                  the gateway.Code of a failed attempt
//
// A failed span has status Error with the error's client-safe message.
// No attribute holds a secret: credentials appear by ID, clients by
// account and key ID, never by key or address, and no request or
// response content is recorded.
package oteltrace

import (
	"context"

	"github.com/tollgate-ai/tollgate/gateway"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.39.0"
	"go.opentelemetry.io/otel/trace"
)

// Span names.
const (
	RequestSpan = "tollgate.request"
	AttemptSpan = "tollgate.upstream"
)

// ScopeName is the instrumentation scope of Tollgate's spans.
const ScopeName = "github.com/tollgate-ai/tollgate/adapters/oteltrace"

// Attribute keys of Tollgate's own.
const (
	RequestIDKey    = attribute.Key("tollgate.request_id")
	AccountIDKey    = attribute.Key("tollgate.account_id")
	KeyIDKey        = attribute.Key("tollgate.key_id")
	ProviderIDKey   = attribute.Key("tollgate.provider_id")
	CredentialIDKey = attribute.Key("tollgate.credential_id")
	AttemptsKey     = attribute.Key("tollgate.attempts")
	StreamKey       = attribute.Key("tollgate.stream")
	CostMicrosKey   = attribute.Key("tollgate.cost_micros")
	LimitedByKey    = attribute.Key("tollgate.limited_by")
)

var _ gateway.Tracer = (*Tracer)(nil)

// Tracer is a gateway.Tracer that starts OpenTelemetry spans. It is safe
// for concurrent use.
type Tracer struct {
	tracer trace.Tracer
}

// New returns a Tracer whose spans come from tp; nil means the global
// TracerProvider (otel.GetTracerProvider).
func New(tp trace.TracerProvider) *Tracer {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	return &Tracer{tracer: tp.Tracer(ScopeName)}
}

// StartRequest starts the "tollgate.request" span.
func (t *Tracer) StartRequest(ctx context.Context, endpoint, model string) (context.Context, func(*gateway.RequestRecord, error)) {
	ctx, span := t.tracer.Start(ctx, RequestSpan, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
		semconv.GenAIOperationNameKey.String(endpoint),
		semconv.GenAIRequestModelKey.String(model),
	))
	return ctx, func(r *gateway.RequestRecord, err error) {
		if span.IsRecording() && r != nil {
			span.SetAttributes(
				RequestIDKey.String(r.ID),
				AccountIDKey.String(r.AccountID),
				KeyIDKey.String(r.KeyID),
				AttemptsKey.Int(len(r.Attempts)),
				StreamKey.Bool(r.Stream),
				semconv.GenAIUsageInputTokensKey.Int(r.Usage.PromptTokens),
				semconv.GenAIUsageOutputTokensKey.Int(r.Usage.CompletionTokens),
				CostMicrosKey.Int64(int64(r.Cost)),
			)
			if r.ProviderID != "" {
				span.SetAttributes(ProviderIDKey.String(r.ProviderID))
			}
			if r.ServedModel != "" {
				span.SetAttributes(semconv.GenAIResponseModelKey.String(r.ServedModel))
			}
			if r.LimitedBy != "" {
				span.SetAttributes(LimitedByKey.String(r.LimitedBy))
			}
		}
		if err != nil {
			code, msg := gateway.ErrorCode(err), gateway.ErrorMessage(err)
			if r != nil && r.Code != "" { // as recorded: a client that went away is "canceled"
				code, msg = r.Code, r.Error
			}
			failed(span, code, msg)
		}
		span.End()
	}
}

// StartAttempt starts a "tollgate.upstream" span within the request span
// in ctx.
func (t *Tracer) StartAttempt(ctx context.Context, provider, credentialID, model string) (context.Context, func(int, error)) {
	ctx, span := t.tracer.Start(ctx, AttemptSpan, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		semconv.GenAIRequestModelKey.String(model),
		ProviderIDKey.String(provider),
		CredentialIDKey.String(credentialID),
	))
	return ctx, func(status int, err error) {
		if status != 0 {
			span.SetAttributes(semconv.HTTPResponseStatusCodeKey.Int(status))
		}
		if err != nil {
			failed(span, gateway.ErrorCode(err), gateway.ErrorMessage(err))
		}
		span.End()
	}
}

// failed marks span as failed with a gateway error's code and client-safe
// message.
func failed(span trace.Span, code gateway.Code, msg string) {
	span.SetAttributes(semconv.ErrorTypeKey.String(string(code)))
	span.SetStatus(codes.Error, msg)
}
