package httpx_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/providers/internal/httpx"
	"github.com/tollgate-ai/tollgate/gateway"
)

func TestForward(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	var got *http.Request
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte(`{"error":"teapot"}`))
	}))
	defer srv.Close()
	c := httpx.NewClient("test", httpx.Config{})
	defer c.Close()

	u, _ := url.Parse("/models/gemini-2.5:streamGenerateContent?alt=sse")
	req, _ := http.NewRequest(http.MethodPost, "", strings.NewReader(`{"a":1}`))
	req.URL = u
	req.Header.Set("X-Custom", "kept")
	resp, err := c.Forward(srv.URL+"/v1beta/", req, "sk-secret")
	is.NoErr(err)
	defer resp.Body.Close()
	is.Equal(resp.StatusCode, http.StatusTeapot) // any status is an answer, not an error
	b, _ := io.ReadAll(resp.Body)
	is.Equal(string(b), `{"error":"teapot"}`)
	is.Equal(got.URL.Path, "/v1beta/models/gemini-2.5:streamGenerateContent")
	is.Equal(got.URL.RawQuery, "alt=sse")
	is.Equal(got.Header.Get("X-Custom"), "kept")
	is.Equal(body, `{"a":1}`)
}

func TestForwardRefused(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	root := srv.URL
	srv.Close()
	c := httpx.NewClient("test", httpx.Config{})
	req, _ := http.NewRequest(http.MethodGet, "", nil)
	req.URL = &url.URL{Path: "/v1/models", RawQuery: "key=sk-secret"}
	_, err := c.Forward(root, req, "sk-secret")
	e := gateway.AsError(err)
	is.Equal(e.Code, gateway.CodeUpstream)
	is.True(!e.Delivered) // never reached the provider: another credential may try
	is.True(!strings.Contains(err.Error(), "sk-secret"))
}
