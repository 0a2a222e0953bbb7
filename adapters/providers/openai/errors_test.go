package openai_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

// asError returns err as a *gateway.Error or fails the test.
func asError(tb testing.TB, err error) *gateway.Error {
	tb.Helper()
	var e *gateway.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error %v (%T) is not a *gateway.Error", err, err)
	}
	return e
}

// reply serves one canned response to every request.
func reply(status int, header map[string]string, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestStatusErrors(t *testing.T) {
	const secret = "sk-live-secret-value"
	future := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		code       gateway.Code
		field      string
		typ        string
		message    string
		retryAfter time.Duration // checked when not zero
		retryRange [2]time.Duration
	}{
		{name: "BadRequestWithParam", status: 400,
			body: `{"error":{"message":"Invalid 'n'.","type":"invalid_request_error","param":"n","code":"integer_above_max_value"}}`,
			code: gateway.CodeInvalid, field: "n", typ: "integer_above_max_value", message: "openai: Invalid 'n'."},
		{name: "BadRequestNullCode", status: 400,
			body: `{"error":{"message":"bad","type":"invalid_request_error","param":null,"code":null}}`,
			code: gateway.CodeInvalid, typ: "invalid_request_error", message: "openai: bad"},
		{name: "NumericCode", status: 400,
			body: `{"error":{"message":"bad","type":"invalid_request_error","code":400}}`,
			code: gateway.CodeInvalid, typ: "invalid_request_error", message: "openai: bad"},
		{name: "TooLarge", status: 413, body: `{"error":{"message":"too big","type":"invalid_request_error"}}`,
			code: gateway.CodeInvalid, message: "openai: too big", typ: "invalid_request_error"},
		{name: "Unprocessable", status: 422, body: `{"error":{"message":"no","type":"x","param":"messages"}}`,
			code: gateway.CodeInvalid, field: "messages", typ: "x", message: "openai: no"},
		{name: "Unauthorized", status: 401,
			body: `{"error":{"message":"Incorrect API key provided: ` + secret + `.","type":"invalid_request_error","code":"invalid_api_key"}}`,
			code: gateway.CodeUpstream, typ: "invalid_api_key", message: "openai: Incorrect API key provided: [REDACTED]."},
		{name: "Forbidden", status: 403, body: `{"error":{"message":"region","type":"request_forbidden"}}`,
			code: gateway.CodeUpstream, typ: "request_forbidden", message: "openai: region"},
		{name: "NotFound", status: 404, body: `{"error":{"message":"no model","type":"invalid_request_error","code":"model_not_found"}}`,
			code: gateway.CodeNotFound, typ: "model_not_found", message: "openai: no model"},
		{name: "RequestTimeout", status: 408, body: `{"error":{"message":"slow","type":"timeout"}}`,
			code: gateway.CodeUpstreamTimeout, typ: "timeout", message: "openai: slow"},
		{name: "RateLimitedRetryAfterMS", status: 429, header: map[string]string{"retry-after-ms": "1500", "retry-after": "9"},
			body: `{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`,
			code: gateway.CodeRateLimited, typ: "rate_limit_exceeded", message: "openai: slow down", retryAfter: 1500 * time.Millisecond},
		{name: "RateLimitedRetryAfterSeconds", status: 429, header: map[string]string{"retry-after": "7"},
			body: `{"error":{"message":"m","type":"requests"}}`, code: gateway.CodeRateLimited, typ: "requests", message: "openai: m",
			retryAfter: 7 * time.Second},
		{name: "RateLimitedRetryAfterDate", status: 429, header: map[string]string{"retry-after": future},
			body: `{"error":{"message":"m","type":"requests"}}`, code: gateway.CodeRateLimited, typ: "requests", message: "openai: m",
			retryRange: [2]time.Duration{25 * time.Second, 31 * time.Second}},
		{name: "RateLimitedResetRequests", status: 429, header: map[string]string{"x-ratelimit-reset-requests": "6m0s", "x-ratelimit-reset-tokens": "20ms"},
			body: `{"error":{"message":"m","type":"requests"}}`, code: gateway.CodeRateLimited, typ: "requests", message: "openai: m",
			retryAfter: 6 * time.Minute},
		{name: "RateLimitedResetExhaustedTokens", status: 429,
			header: map[string]string{"x-ratelimit-reset-requests": "6m0s", "x-ratelimit-reset-tokens": "20ms", "x-ratelimit-remaining-tokens": "0"},
			body:   `{"error":{"message":"m","type":"tokens"}}`, code: gateway.CodeRateLimited, typ: "tokens", message: "openai: m",
			retryAfter: 20 * time.Millisecond},
		{name: "RateLimitedNoHint", status: 429, body: `{"error":{"message":"m","type":"requests"}}`,
			code: gateway.CodeRateLimited, typ: "requests", message: "openai: m"},
		{name: "ServerError", status: 500, body: `{"error":{"message":"oops","type":"server_error"}}`,
			code: gateway.CodeUpstream, typ: "server_error", message: "openai: oops"},
		{name: "Overloaded529", status: 529, body: `{"error":{"message":"overloaded","type":"overloaded_error"}}`,
			code: gateway.CodeUpstream, typ: "overloaded_error", message: "openai: overloaded"},
		{name: "ServiceUnavailableRetryAfter", status: 503, header: map[string]string{"retry-after": "2"},
			body: `{"error":{"message":"later","type":"server_error"}}`, code: gateway.CodeUpstream, typ: "server_error",
			message: "openai: later", retryAfter: 2 * time.Second},
		{name: "NotJSON", status: 502, body: `<html>bad gateway</html>`,
			code: gateway.CodeUpstream, message: "openai: status 502 Bad Gateway"},
		{name: "UnknownStatus", status: 418, body: ``, code: gateway.CodeUpstream, message: "openai: status 418 I'm a teapot"},
		{name: "OddStatus", status: 599, body: `{}`, code: gateway.CodeUpstream, message: "openai: status 599"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(reply(tt.status, tt.header, tt.body))
			defer srv.Close()
			u := mustNew(t, srv.URL, openai.Config{})
			calls := map[string]func() error{
				"Chat": func() error {
					_, err := u.Chat(context.Background(), cred(secret), userChat("m", "hi"))
					return err
				},
				"ChatStream": func() error {
					_, err := u.ChatStream(context.Background(), cred(secret), userChat("m", "hi"))
					return err
				},
				"ListModels": func() error {
					_, err := u.ListModels(context.Background(), cred(secret))
					return err
				},
			}
			for name, call := range calls {
				t.Run(name, func(t *testing.T) {
					is := is.New(t)
					e := asError(t, call())
					is.Equal(e.Code, tt.code)
					is.Equal(e.Status, tt.status)
					is.Equal(e.Field, tt.field)
					is.Equal(e.Type, tt.typ)
					is.Equal(e.Message, tt.message)
					is.True(!e.Delivered)
					switch {
					case tt.retryAfter != 0:
						is.Equal(e.RetryAfter, tt.retryAfter)
					case tt.retryRange[1] != 0:
						is.True(e.RetryAfter >= tt.retryRange[0] && e.RetryAfter <= tt.retryRange[1])
					default:
						is.Equal(e.RetryAfter, time.Duration(0))
					}
					is.True(!strings.Contains(fmt.Sprintf("%v %+v %#v", e, e, e), secret))
				})
			}
		})
	}
}

func TestOpenAITestErrors(t *testing.T) {
	srv := openaitest.New(t, testKey)
	u := mustNew(t, srv.URL, openai.Config{})
	tests := []struct {
		name    string
		fail    int
		model   string
		code    gateway.Code
		status  int
		typ     string
		message string
		retry   time.Duration
	}{
		{name: "Unauthorized", fail: 401, code: gateway.CodeUpstream, status: 401, typ: "invalid_api_key"},
		{name: "MissingModel", model: "missing-model", code: gateway.CodeNotFound, status: 404, typ: "model_not_found",
			message: "openai: The model `missing-model` does not exist or you do not have access to it."},
		{name: "RateLimited", fail: 429, code: gateway.CodeRateLimited, status: 429, typ: "rate_limit_exceeded", retry: time.Second},
		{name: "ServerError", fail: 500, code: gateway.CodeUpstream, status: 500, typ: "server_error",
			message: "openai: The server had an error while processing your request. Sorry about that!"},
	}
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", tt.name, stream), func(t *testing.T) {
				is := is.New(t)
				srv.Fail(max(tt.fail, 0), tt.fail)
				defer srv.Fail(0, 0)
				model := tt.model
				if model == "" {
					model = "gpt-4o-mini"
				}
				var err error
				if stream {
					_, err = u.ChatStream(context.Background(), cred(testKey), userChat(model, "hi"))
				} else {
					_, err = u.Chat(context.Background(), cred(testKey), userChat(model, "hi"))
				}
				e := asError(t, err)
				is.Equal(e.Code, tt.code)
				is.Equal(e.Status, tt.status)
				is.Equal(e.Type, tt.typ)
				is.Equal(e.RetryAfter, tt.retry)
				is.True(!e.Delivered)
				is.True(strings.HasPrefix(e.Message, "openai: "))
				if tt.message != "" {
					is.Equal(e.Message, tt.message)
				}
			})
		}
	}
}

func TestConnectionRefused(t *testing.T) {
	is := is.New(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	is.NoErr(err)
	addr := l.Addr().String()
	is.NoErr(l.Close())
	u := mustNew(t, "http://"+addr+"/v1", openai.Config{})

	_, err = u.Chat(context.Background(), cred(testKey), userChat("m", "hi"))
	e := asError(t, err)
	is.Equal(e.Code, gateway.CodeUpstream)
	is.True(!e.Delivered) // nothing reached a provider: safe to fail over
	is.Equal(e.Status, 0)
	is.True(e.Err != nil)

	_, err = u.ChatStream(context.Background(), cred(testKey), userChat("m", "hi"))
	e = asError(t, err)
	is.Equal(e.Code, gateway.CodeUpstream)
	is.True(!e.Delivered)
}

// hang answers nothing until the client gives up. It reads the body first:
// only then does net/http watch the connection and cancel r.Context when
// the client goes away.
func hang(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

func TestTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(hang))
	defer srv.Close()
	tests := []struct {
		name string
		cfg  openai.Config
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"ConfigTimeout", openai.Config{Timeout: 50 * time.Millisecond}, func() (context.Context, context.CancelFunc) {
			return context.Background(), func() {}
		}},
		{"ResponseHeaderTimeout", openai.Config{ResponseHeaderTimeout: 50 * time.Millisecond}, func() (context.Context, context.CancelFunc) {
			return context.Background(), func() {}
		}},
		{"ContextDeadline", openai.Config{}, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			u := mustNew(t, srv.URL, tt.cfg)
			ctx, cancel := tt.ctx()
			defer cancel()
			_, err := u.Chat(ctx, cred(testKey), userChat("m", "hi"))
			e := asError(t, err)
			is.Equal(e.Code, gateway.CodeUpstreamTimeout)
			is.True(e.Delivered) // the request was written: the provider may be working on it
		})
	}
}

// sseServer writes body as an event stream.

func TestInvalidResponseBody(t *testing.T) {
	is := is.New(t)
	srv := httptest.NewServer(reply(200, nil, `{"id":`))
	defer srv.Close()
	u := mustNew(t, srv.URL, openai.Config{})
	_, err := u.Chat(context.Background(), cred(testKey), userChat("m", "hi"))
	e := asError(t, err)
	is.Equal(e.Code, gateway.CodeUpstream)
	is.True(e.Delivered)
}

func TestNoSecretInErrors(t *testing.T) {
	// openaitest echoes keys of 12 characters or fewer in full in its 401
	// message, as OpenAI echoes a masked form.
	const secret = "sk-short-1"
	is := is.New(t)
	srv := openaitest.New(t, "sk-other-key-entirely")
	u := mustNew(t, srv.URL, openai.Config{})
	var errs []error
	_, err := u.Chat(context.Background(), cred(secret), userChat("gpt-4o-mini", "hi"))
	errs = append(errs, err)
	_, err = u.ChatStream(context.Background(), cred(secret), userChat("gpt-4o-mini", "hi"))
	errs = append(errs, err)
	_, err = u.Embed(context.Background(), cred(secret), &gateway.EmbedRequest{Model: "e", Input: []byte(`"x"`)})
	errs = append(errs, err)
	_, err = u.ListModels(context.Background(), cred(secret))
	errs = append(errs, err)

	refused := mustNew(t, "http://127.0.0.1:1/v1", openai.Config{})
	_, err = refused.Chat(context.Background(), cred(secret), userChat("m", "hi"))
	errs = append(errs, err)

	for _, err := range errs {
		e := asError(t, err)
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), e.Message} {
			is.True(!strings.Contains(s, secret))
		}
	}
	is.Equal(asError(t, errs[0]).Status, 401)
	is.True(strings.Contains(asError(t, errs[0]).Message, "[REDACTED]"))
}

func TestAuthorize(t *testing.T) {
	is := is.New(t)
	u := mustNew(t, "", openai.Config{})
	req := httptest.NewRequest("GET", "https://api.openai.com/v1/files", nil)
	is.NoErr(u.Authorize(req, cred(testKey)))
	is.Equal(req.Header.Get("Authorization"), "Bearer "+testKey)
	is.Equal(gateway.ErrorCode(u.Authorize(req, nil)), gateway.CodeInternal)
}
