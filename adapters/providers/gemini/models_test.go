package gemini_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/gemini"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/geminitest"
)

func TestListModels(t *testing.T) {
	t.Parallel()
	for _, style := range []string{"api", "vertex"} {
		t.Run(style, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			srv := geminitest.New(t, testKey)
			srv.SetModelsPageSize(3)
			u := api(t, srv)
			path := "/v1beta/models"
			if style == "vertex" {
				u, path = vertex(t, srv), "/v1beta1/publishers/google/models"
			}
			models, err := u.ListModels(context.Background(), cred(testKey))
			is.NoErr(err)
			want := geminitest.Models()
			is.Equal(len(models), len(want))
			for i, m := range models {
				is.Equal(m.ID, want[i]) // without "models/"
				is.Equal(m.Object, "model")
				is.Equal(m.OwnedBy, "google")
			}
			reqs := srv.Requests()
			is.Equal(len(reqs), (len(want)+2)/3) // every page
			is.Equal(reqs[0].Path, path)
			is.Equal(reqs[0].Query, "pageSize=1000")
			is.True(strings.Contains(reqs[1].Query, "pageToken="))
		})
	}
}

func TestListModelsRejected(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	_, err := api(t, srv).ListModels(context.Background(), cred("AIzaSy-bad-000000000000"))
	e := asError(t, err)
	is.Equal(e.Code, gateway.CodeUpstream) // a bad credential is not the client's fault
	is.Equal(e.Status, 400)
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		p       gateway.Provider
		field   string // the CodeInvalid field, "" for success
		request string // a URL the Upstream calls for gemini-2.5-flash, on success
	}{
		{name: "Default", request: "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"},
		{name: "Vertex", p: gateway.Provider{Options: map[string]string{"google_project": "my-proj", "google_location": "europe-west4"}},
			request: "https://europe-west4-aiplatform.googleapis.com/v1/projects/my-proj/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent"},
		{name: "VertexGlobal", p: gateway.Provider{Options: map[string]string{"google_project": "my-proj", "google_location": "global"}},
			request: "https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global/publishers/google/models/gemini-2.5-flash:generateContent"},
		{name: "ProjectOnly", p: gateway.Provider{Options: map[string]string{"google_project": "p"}}, field: "options.google_location"},
		{name: "LocationOnly", p: gateway.Provider{Options: map[string]string{"google_location": "us"}}, field: "options.google_project"},
		{name: "BadLocation", p: gateway.Provider{Options: map[string]string{"google_project": "p", "google_location": "evil.com/x"}}, field: "options.google_location"},
		{name: "BadProject", p: gateway.Provider{Options: map[string]string{"google_project": "p/../q", "google_location": "us"}}, field: "options.google_project"},
		{name: "BadAuth", p: gateway.Provider{Options: map[string]string{"auth": "basic"}}, field: "options.auth"},
		{name: "QueryOnVertex", p: gateway.Provider{Options: map[string]string{"google_project": "p", "google_location": "us", "auth": "query"}}, field: "options.auth"},
		{name: "BadBase", p: gateway.Provider{BaseURL: "ftp://x"}, field: "base_url"},
		{name: "BaseWithQuery", p: gateway.Provider{BaseURL: "https://x/v1beta?key=1"}, field: "base_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			var got string
			tr := roundTrip(func(r *http.Request) (*http.Response, error) {
				got = r.URL.String()
				return &http.Response{StatusCode: 500, Body: io.NopCloser(strings.NewReader("")), Header: http.Header{}}, nil
			})
			u, err := gemini.New(&tt.p, gemini.Config{})
			if tt.field != "" {
				e := asError(t, err)
				is.Equal(e.Code, gateway.CodeInvalid)
				is.Equal(e.Field, tt.field)
				return
			}
			is.NoErr(err)
			defer u.Close()
			gemini.SetTransport(u, tr)
			_, _ = u.Chat(context.Background(), cred(testKey), userChat("gemini-2.5-flash", "hi"))
			is.Equal(got, tt.request)
		})
	}
}

// roundTrip adapts a function to http.RoundTripper.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestDriver(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	up, err := gemini.Driver(gemini.Config{}).Open(&gateway.Provider{Name: "g", Type: "gemini"})
	is.NoErr(err)
	_, ok := up.(*gemini.Upstream)
	is.True(ok)
	up, err = gemini.Driver(gemini.Config{}).Open(&gateway.Provider{Name: "g", Type: "gemini", BaseURL: "nope"})
	is.True(err != nil)
	is.True(up == nil) // not a typed nil
}

func TestAuthorize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		options map[string]string
		url     string
		header  string // the header the credential is in
		value   string
		query   string
	}{
		{name: "Header", url: "/v1beta/models?key=tg-client-key", header: "X-Goog-Api-Key", value: testKey, query: ""},
		{name: "Bearer", options: map[string]string{"auth": "bearer"}, url: "/v1beta/models", header: "Authorization", value: "Bearer " + testKey},
		{name: "Vertex", options: map[string]string{"google_project": "p", "google_location": "us-central1"},
			url: "/v1/projects/p/locations/us-central1/publishers/google/models/x:generateContent", header: "Authorization", value: "Bearer " + testKey},
		{name: "Query", options: map[string]string{"auth": "query"}, url: "/v1beta/models?pageSize=5", query: "key=" + testKey + "&pageSize=5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			u := mustNew(t, &gateway.Provider{Options: tt.options})
			req, _ := http.NewRequest("GET", "http://gateway"+tt.url, nil)
			is.NoErr(u.Authorize(req, cred(testKey)))
			if tt.header != "" {
				is.Equal(req.Header.Get(tt.header), tt.value)
			}
			is.Equal(req.URL.RawQuery, tt.query)
		})
	}
	is := is.New(t)
	err := mustNew(t, &gateway.Provider{}).Authorize(&http.Request{Header: http.Header{}, URL: &url.URL{}}, nil)
	is.Equal(gateway.ErrorCode(err), gateway.CodeInternal)
}

func TestForward(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	u := api(t, srv)
	req, _ := http.NewRequest("POST", "", strings.NewReader(`{"contents":[{"parts":[{"text":"hi"}]}]}`))
	req.URL = &url.URL{Path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent", RawQuery: "alt=sse"}
	req.Header.Set("Content-Type", "application/json")
	resp, err := u.Forward(context.Background(), cred(testKey), req)
	is.NoErr(err)
	defer resp.Body.Close()
	is.Equal(resp.StatusCode, 200)
	is.Equal(resp.Header.Get("Content-Type"), "text/event-stream")
	m := u.Meter(req, resp.Header.Get("Content-Type"))
	_, err = io.Copy(m, resp.Body)
	is.NoErr(err)
	usage, model, ok := m.Usage()
	is.True(ok)
	is.Equal(model, "gemini-2.5-flash")
	is.Equal(usage.PromptTokens, 1)
	is.Equal(usage.CompletionTokens, 2)
	r := srv.Requests()[0]
	is.Equal(r.Path, "/v1beta/models/gemini-2.5-flash:streamGenerateContent")
	is.Equal(r.Query, "alt=sse")
	is.Equal(r.Header.Get("x-goog-api-key"), testKey)
}
