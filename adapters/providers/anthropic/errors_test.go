package anthropic_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/anthropic"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropictest"
)

// calls returns each entry point of u, for tests that check all of them.
func calls(u *anthropic.Upstream, secret string) map[string]func() error {
	return map[string]func() error{
		"Chat": func() error {
			_, err := u.Chat(context.Background(), cred(secret), userChat("hi"))
			return err
		},
		"ChatStream": func() error {
			s, err := u.ChatStream(context.Background(), cred(secret), userChat("hi"))
			if err == nil {
				s.Close()
			}
			return err
		},
		"ListModels": func() error {
			_, err := u.ListModels(context.Background(), cred(secret))
			return err
		},
	}
}

func TestErrorsFromTestServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		code   gateway.Code
		typ    string
		msg    string
		retry  time.Duration
	}{
		{400, gateway.CodeInvalid, "invalid_request_error", "anthropic: Your request was malformed or missing some required parameters.", 0},
		{401, gateway.CodeUpstream, "authentication_error", "anthropic: invalid x-api-key", 0},
		{403, gateway.CodeUpstream, "permission_error", "anthropic: Your API key does not have permission to use the specified resource.", 0},
		{404, gateway.CodeNotFound, "not_found_error", "anthropic: model: claude-missing", 0},
		{413, gateway.CodeInvalid, "request_too_large", "anthropic: Request exceeds the maximum allowed number of bytes.", 0},
		{429, gateway.CodeRateLimited, "rate_limit_error", "", time.Second},
		{500, gateway.CodeUpstream, "api_error", "anthropic: Internal server error", 0},
		{529, gateway.CodeUpstream, "overloaded_error", "anthropic: Overloaded", 0},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status)+"_"+tt.typ, func(t *testing.T) {
			t.Parallel()
			srv := anthropictest.New(t, testKey)
			u := mustNew(t, srv.URL, nil)
			for name, call := range calls(u, testKey) {
				t.Run(name, func(t *testing.T) {
					is := is.New(t)
					srv.Fail(1, tt.status)
					e := asError(t, call())
					is.Equal(e.Code, tt.code)
					is.Equal(e.Status, tt.status)
					is.Equal(e.Type, tt.typ)
					if tt.msg != "" {
						is.Equal(e.Message, tt.msg)
					}
					is.True(strings.HasPrefix(e.Message, "anthropic: "))
					is.Equal(e.RetryAfter, tt.retry)
					is.True(!e.Delivered)
				})
			}
		})
	}
}

func TestStatusErrors(t *testing.T) {
	t.Parallel()
	const secret = "sk-ant-live-secret-value"
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	tests := []struct {
		name   string
		status int
		header map[string]string
		body   string
		code   gateway.Code
		field  string
		typ    string
		msg    string
		retry  time.Duration
	}{
		{name: "FieldFromMessage", status: 400, body: `{"type":"error","error":{"type":"invalid_request_error","message":"messages.1.content.0.image.source: bad"},"request_id":"req_1"}`,
			code: gateway.CodeInvalid, field: "messages.1.content.0.image.source", typ: "invalid_request_error", msg: "anthropic: messages.1.content.0.image.source: bad"},
		{name: "NoField", status: 400, body: `{"type":"error","error":{"type":"invalid_request_error","message":"Prompt is too long"}}`,
			code: gateway.CodeInvalid, typ: "invalid_request_error", msg: "anthropic: Prompt is too long"},
		{name: "EchoedSecret", status: 401, body: `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key ` + secret + `"}}`,
			code: gateway.CodeUpstream, typ: "authentication_error", msg: "anthropic: invalid x-api-key [REDACTED]"},
		{name: "Billing", status: 402, body: `{"type":"error","error":{"type":"billing_error","message":"low balance"}}`,
			code: gateway.CodeUpstream, typ: "billing_error", msg: "anthropic: low balance"},
		{name: "RetryAfter", status: 429, header: map[string]string{"retry-after": "7", "anthropic-ratelimit-requests-remaining": "0", "anthropic-ratelimit-requests-reset": at(time.Minute)},
			body: `{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}`, code: gateway.CodeRateLimited, typ: "rate_limit_error", msg: "anthropic: slow", retry: 7 * time.Second},
		{name: "ResetOfExhausted", status: 429, header: map[string]string{
			"anthropic-ratelimit-requests-remaining": "12", "anthropic-ratelimit-requests-reset": at(2 * time.Second),
			"anthropic-ratelimit-tokens-remaining": "0", "anthropic-ratelimit-tokens-reset": at(40 * time.Second),
			"anthropic-ratelimit-output-tokens-remaining": "0", "anthropic-ratelimit-output-tokens-reset": at(30 * time.Second),
			"anthropic-ratelimit-input-tokens-remaining": "0", "anthropic-ratelimit-input-tokens-reset": "soon"},
			body: `{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}`, code: gateway.CodeRateLimited, typ: "rate_limit_error", msg: "anthropic: slow", retry: 30 * time.Second},
		{name: "ResetPassed", status: 429, header: map[string]string{"anthropic-ratelimit-input-tokens-remaining": "0", "anthropic-ratelimit-input-tokens-reset": at(-time.Minute)},
			body: `{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}`, code: gateway.CodeRateLimited, typ: "rate_limit_error", msg: "anthropic: slow"},
		{name: "ResetNotExhausted", status: 429, header: map[string]string{"anthropic-ratelimit-requests-remaining": "3", "anthropic-ratelimit-requests-reset": at(time.Minute)},
			body: `{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}`, code: gateway.CodeRateLimited, typ: "rate_limit_error", msg: "anthropic: slow"},
		{name: "ResetIgnoredOn529", status: 529, header: map[string]string{"anthropic-ratelimit-requests-remaining": "0", "anthropic-ratelimit-requests-reset": at(time.Minute)},
			body: `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, code: gateway.CodeUpstream, typ: "overloaded_error", msg: "anthropic: Overloaded"},
		{name: "Timeout504", status: 504, body: `{"type":"error","error":{"type":"timeout_error","message":"Request timed out"}}`,
			code: gateway.CodeUpstream, typ: "timeout_error", msg: "anthropic: Request timed out"},
		{name: "NotJSON", status: 502, body: `<html>bad gateway</html>`, code: gateway.CodeUpstream, msg: "anthropic: status 502 Bad Gateway"},
		{name: "Empty", status: 503, code: gateway.CodeUpstream, msg: "anthropic: status 503 Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(tt.body))}
			for k, v := range tt.header {
				resp.Header.Set(k, v)
			}
			e := anthropic.StatusErrorAt(resp, secret, now)
			is.Equal(e.Code, tt.code)
			is.Equal(e.Status, tt.status)
			is.Equal(e.Field, tt.field)
			is.Equal(e.Type, tt.typ)
			is.Equal(e.Message, tt.msg)
			is.Equal(e.RetryAfter, tt.retry)
			is.True(!e.Delivered)
			is.True(!strings.Contains(e.Error(), secret))
		})
	}
}

// TestNoSecretInErrors answers every call with the secret in the body and
// the headers, and checks no error repeats it.
func TestNoSecretInErrors(t *testing.T) {
	t.Parallel()
	const secret = "sk-ant-echo-me-0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", r.Header.Get("x-api-key"))
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"type":"error","error":{"type":"authentication_error","message":"key `+r.Header.Get("x-api-key")+` is not valid"}}`)
	}))
	defer srv.Close()
	u := mustNew(t, srv.URL, nil)
	for name, call := range calls(u, secret) {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			e := asError(t, call())
			is.Equal(e.Message, "anthropic: key [REDACTED] is not valid")
			is.True(!strings.Contains(e.Error(), secret))
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	u := mustNew(t, "http://"+addr, nil)
	for name, call := range calls(u, testKey) {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			e := asError(t, call())
			is.Equal(e.Code, gateway.CodeUpstream)
			is.Equal(e.Message, "anthropic: cannot connect")
			is.True(!e.Delivered)
			is.True(!strings.Contains(e.Error(), testKey))
		})
	}
}

func TestNilCredential(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	u := mustNew(t, "", nil)
	_, err := u.Chat(context.Background(), nil, userChat("hi"))
	is.Equal(asError(t, err).Code, gateway.CodeInternal)
}

func TestInvalidRequestNotSent(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	u := mustNew(t, srv.URL, nil)
	req := userChat("hi")
	req.N = ptr(3)
	_, err := u.Chat(context.Background(), cred(testKey), req)
	is.Equal(asError(t, err).Field, "n")
	_, err = u.ChatStream(context.Background(), cred(testKey), req)
	is.Equal(asError(t, err).Field, "n")
	is.Equal(len(srv.Requests()), 0)
}
