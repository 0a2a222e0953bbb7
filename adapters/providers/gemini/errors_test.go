package gemini_test

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

	"github.com/tollgate-ai/tollgate/adapters/providers/gemini"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/geminitest"
)

// TestServerErrors drives every error class through the test server, in
// both styles where they differ.
func TestServerErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		vertex     bool
		fail       int    // Fail(1, fail); 0 for none
		secret     string // the credential; testKey if ""
		model      string
		code       gateway.Code
		status     int
		typ        string
		message    string // a prefix
		retryAfter time.Duration
	}{
		{name: "InvalidArgument", model: "gemini-2.5-flash", secret: testKey, code: gateway.CodeInvalid, status: 400,
			typ: "INVALID_ARGUMENT", message: "gemini: * GenerateContentRequest.generation_config.candidate_count"},
		{name: "KeyInvalid", secret: "AIzaSy-wrong-key-0000000000", code: gateway.CodeUpstream, status: 400,
			typ: "INVALID_ARGUMENT", message: "gemini: API key not valid."},
		{name: "Forbidden", fail: 403, code: gateway.CodeUpstream, status: 403, typ: "PERMISSION_DENIED",
			message: "gemini: Method doesn't allow unregistered callers"},
		{name: "VertexUnauthenticated", vertex: true, secret: "ya29.expired", code: gateway.CodeUpstream, status: 401,
			typ: "UNAUTHENTICATED", message: "gemini: Request had invalid authentication credentials."},
		{name: "VertexForbidden", vertex: true, fail: 403, code: gateway.CodeUpstream, status: 403, typ: "PERMISSION_DENIED",
			message: "gemini: Permission 'aiplatform.endpoints.predict' denied"},
		{name: "NotFound", model: "palm-2", code: gateway.CodeNotFound, status: 404, typ: "NOT_FOUND",
			message: "gemini: models/palm-2 is not found for API version v1beta"},
		{name: "RateLimited", fail: 429, code: gateway.CodeRateLimited, status: 429, typ: "RESOURCE_EXHAUSTED",
			message: "gemini: You exceeded your current quota", retryAfter: 37 * time.Second},
		{name: "VertexRateLimited", vertex: true, fail: 429, code: gateway.CodeRateLimited, status: 429, typ: "RESOURCE_EXHAUSTED",
			message: "gemini: Resource exhausted."},
		{name: "Internal", fail: 500, code: gateway.CodeUpstream, status: 500, typ: "INTERNAL", message: "gemini: An internal error has occurred."},
		{name: "Unavailable", fail: 503, code: gateway.CodeUpstream, status: 503, typ: "UNAVAILABLE", message: "gemini: The model is overloaded."},
		{name: "DeadlineExceeded", fail: 504, code: gateway.CodeUpstreamTimeout, status: 504, typ: "DEADLINE_EXCEEDED", message: "gemini: Deadline expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			srv := geminitest.New(t, testKey)
			srv.Fail(1, tt.fail)
			u := api(t, srv)
			if tt.vertex {
				u = vertex(t, srv)
			}
			secret, model := tt.secret, tt.model
			if secret == "" {
				secret = testKey
			}
			if model == "" {
				model = "gemini-2.5-flash"
			}
			req := userChat(model, "hi")
			if tt.name == "InvalidArgument" {
				n := 9
				req.N = &n
			}
			_, err := u.Chat(context.Background(), cred(secret), req)
			e := asError(t, err)
			is.Equal(e.Code, tt.code)
			is.Equal(e.Status, tt.status)
			is.Equal(e.Type, tt.typ)
			is.True(!e.Delivered) // an error status: the provider did not act on it
			if !strings.HasPrefix(e.Message, tt.message) {
				t.Fatalf("message %q, want prefix %q", e.Message, tt.message)
			}
			is.Equal(e.RetryAfter, tt.retryAfter)
			is.True(!strings.Contains(err.Error(), secret))
		})
	}
}

// reply serves one canned response to every request.
func reply(status int, header map[string]string, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestStatusErrors(t *testing.T) {
	t.Parallel()
	const secret = "AIzaSyLeaked-0123456789"
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		code       gateway.Code
		typ        string
		message    string
		retryAfter time.Duration
	}{
		{name: "EchoedKey", status: 400,
			body: `{"error":{"code":400,"message":"API key ` + secret + ` not valid.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}`,
			code: gateway.CodeUpstream, typ: "INVALID_ARGUMENT", message: "gemini: API key [REDACTED] not valid."},
		{name: "Region", status: 400, body: `{"error":{"code":400,"message":"User location is not supported for the API use.","status":"FAILED_PRECONDITION"}}`,
			code: gateway.CodeUpstream, typ: "FAILED_PRECONDITION", message: "gemini: User location is not supported for the API use."},
		{name: "RetryInfoWins", status: 429, header: map[string]string{"Retry-After": "5"},
			body: `{"error":{"code":429,"message":"q","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}`,
			code: gateway.CodeRateLimited, typ: "RESOURCE_EXHAUSTED", message: "gemini: q", retryAfter: 1500 * time.Millisecond},
		{name: "RetryAfterHeader", status: 429, header: map[string]string{"Retry-After": "5"},
			body: `{"error":{"code":429,"message":"q","status":"RESOURCE_EXHAUSTED"}}`,
			code: gateway.CodeRateLimited, typ: "RESOURCE_EXHAUSTED", message: "gemini: q", retryAfter: 5 * time.Second},
		{name: "ArrayBody", status: 503, body: "[{\n  \"error\": {\n    \"code\": 503,\n    \"message\": \"busy\",\n    \"status\": \"UNAVAILABLE\"\n  }\n}\n]",
			code: gateway.CodeUpstream, typ: "UNAVAILABLE", message: "gemini: busy"},
		{name: "HTMLPage", status: 404, body: "<!DOCTYPE html><title>Error 404 (Not Found)!!1</title>",
			code: gateway.CodeNotFound, message: "gemini: status 404 Not Found"},
		{name: "Empty", status: 502, code: gateway.CodeUpstream, message: "gemini: status 502 Bad Gateway"},
		{name: "TooLarge", status: 413, body: `{"error":{"code":413,"message":"too big","status":"INVALID_ARGUMENT"}}`,
			code: gateway.CodeInvalid, typ: "INVALID_ARGUMENT", message: "gemini: too big"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			rec := httptest.NewRecorder()
			reply(tt.status, tt.header, tt.body)(rec, httptest.NewRequest("POST", "/", nil))
			e := gemini.StatusErrorAt(rec.Result(), secret, now)
			is.Equal(e.Code, tt.code)
			is.Equal(e.Status, tt.status)
			is.Equal(e.Type, tt.typ)
			is.Equal(e.Message, tt.message)
			is.Equal(e.RetryAfter, tt.retryAfter)
			is.True(!e.Delivered)
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	is.NoErr(err)
	addr := l.Addr().String()
	is.NoErr(l.Close())
	// The key goes in the URL with auth "query": the transport's error,
	// which quotes the URL, must not carry it.
	u := mustNew(t, &gateway.Provider{BaseURL: "http://" + addr + "/v1beta", Options: map[string]string{"auth": "query"}})
	const secret = "AIzaSyInTheURL-0123456789abc"
	for name, call := range map[string]func() error{
		"Chat": func() error {
			_, err := u.Chat(context.Background(), cred(secret), userChat("gemini-2.5-flash", "hi"))
			return err
		},
		"Stream": func() error {
			_, err := u.ChatStream(context.Background(), cred(secret), streamReq("gemini-2.5-flash", "hi"))
			return err
		},
		"Embed": func() error {
			_, err := u.Embed(context.Background(), cred(secret), &gateway.EmbedRequest{Model: "gemini-embedding-001", Input: []byte(`"x"`)})
			return err
		},
		"ListModels": func() error { _, err := u.ListModels(context.Background(), cred(secret)); return err },
	} {
		err := call()
		e := asError(t, err)
		is.Equal(e.Code, gateway.CodeUpstream)
		is.True(!e.Delivered) // never reached the provider: another may try
		is.Equal(e.Message, "gemini: cannot connect")
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("%s: error %q holds the key", name, err)
		}
	}
}

func TestKeyInQuery(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	u := mustNew(t, &gateway.Provider{BaseURL: srv.APIBase(), Options: map[string]string{"auth": "query"}})
	_, err := u.Chat(context.Background(), cred(testKey), userChat("gemini-2.5-flash", "hi"))
	is.NoErr(err)
	s, err := u.ChatStream(context.Background(), cred(testKey), streamReq("gemini-2.5-flash", "hi"))
	is.NoErr(err)
	drain(t, s)
	_ = s.Close()
	reqs := srv.Requests()
	is.Equal(reqs[0].Query, "key="+testKey)
	is.Equal(reqs[0].Header.Get("x-goog-api-key"), "")
	is.Equal(reqs[1].Query, "alt=sse&key="+testKey)

	_, err = u.Chat(context.Background(), cred("AIzaSyWrong-0123456789"), userChat("gemini-2.5-flash", "hi"))
	e := asError(t, err)
	is.Equal(e.Status, 400)
	is.True(!strings.Contains(err.Error(), "AIzaSyWrong-0123456789"))
}

func TestTimeouts(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the client leaving
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer srv.Close()
	u, err := gemini.New(&gateway.Provider{BaseURL: srv.URL + "/v1beta"}, gemini.Config{Timeout: 50 * time.Millisecond})
	is.NoErr(err)
	defer u.Close()
	_, err = u.Chat(context.Background(), cred(testKey), userChat("gemini-2.5-flash", "hi"))
	e := asError(t, err)
	is.Equal(e.Code, gateway.CodeUpstreamTimeout)
	is.True(e.Delivered) // the request was written: the provider may be working on it

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(30 * time.Millisecond); cancel() }()
	_, err = u.ChatStream(ctx, cred(testKey), streamReq("gemini-2.5-flash", "hi"))
	is.True(gateway.IsCode(err, gateway.CodeUpstream))
	is.True(strings.Contains(err.Error(), "canceled"))
}

func TestNotEventStream(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := httptest.NewServer(reply(200, map[string]string{"Content-Type": "application/json"}, `[{"candidates":[]}]`))
	defer srv.Close()
	u := mustNew(t, &gateway.Provider{BaseURL: srv.URL + "/v1beta"})
	_, err := u.ChatStream(context.Background(), cred(testKey), streamReq("gemini-2.5-flash", "hi"))
	e := asError(t, err)
	is.Equal(e.Code, gateway.CodeUpstream)
	is.True(e.Delivered)

	// A 200 whose body is an error object is the provider's failure.
	srv2 := httptest.NewServer(reply(200, map[string]string{"Content-Type": "application/json"},
		`{"error":{"code":500,"message":"oops","status":"INTERNAL"}}`))
	defer srv2.Close()
	u = mustNew(t, &gateway.Provider{BaseURL: srv2.URL + "/v1beta"})
	_, err = u.Chat(context.Background(), cred(testKey), userChat("gemini-2.5-flash", "hi"))
	e = asError(t, err)
	is.Equal(e.Message, "gemini: oops")
	is.True(e.Delivered)
}
