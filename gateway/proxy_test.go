package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

// The fake upstream takes pass-through requests: it answers the queued
// statuses first, then 200 with a JSON body that reports usage.

func (u *fakeUpstream) Authorize(req *http.Request, cred *gateway.Credential) error {
	req.Header.Set("Authorization", "Bearer "+cred.Secret.Reveal())
	return nil
}

func (u *fakeUpstream) Forward(_ context.Context, cred *gateway.Credential, req *http.Request) (*http.Response, error) {
	if err := u.called(cred, &gateway.ChatRequest{Model: req.URL.Path}); err != nil {
		return nil, err
	}
	_ = u.Authorize(req, cred)
	body, _ := io.ReadAll(req.Body)
	u.mu.Lock()
	u.sent = append(u.sent, req)
	status := http.StatusOK
	if len(u.answers) > 0 {
		status, u.answers = u.answers[0], u.answers[1:]
	}
	u.mu.Unlock()
	out := `{"model":"served-model","echo":` + string(body) + `,"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}`
	if status != http.StatusOK {
		out = `{"error":{"message":"from ` + cred.Name + `"}}`
	}
	h := http.Header{"Content-Type": {"application/json"}, "Set-Cookie": {"upstream=1"}}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(out)), Request: req}, nil
}

func (u *fakeUpstream) Meter(*http.Request, string) gateway.UsageMeter { return &jsonMeter{} }

// jsonMeter reads "usage" and "model" from a whole JSON body.
type jsonMeter struct{ body []byte }

func (m *jsonMeter) Write(p []byte) (int, error) { m.body = append(m.body, p...); return len(p), nil }

func (m *jsonMeter) Usage() (gateway.Usage, string, bool) {
	var v struct {
		Model string         `json:"model"`
		Usage *gateway.Usage `json:"usage"`
	}
	if json.Unmarshal(m.body, &v) != nil || v.Usage == nil {
		return gateway.Usage{}, "", false
	}
	return *v.Usage, v.Model, true
}

// again returns c for a new request (each request gets its own id).
func again(c *gateway.Caller) *gateway.Caller {
	n := *c
	n.RequestID = ""
	return &n
}

func proxyRequest(method, target, body string, header http.Header) *http.Request {
	u, _ := url.Parse(target)
	r := &http.Request{Method: method, URL: u, Header: header, Body: io.NopCloser(strings.NewReader(body))}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	return r.WithContext(context.Background())
}

func TestProxyForwardsMetersAndRecords(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	p := f.provider(t, "native", []string{"*"}, 1)
	_, err := f.admin.PutModel(context.Background(), &gateway.Model{Name: "m1", Prices: gateway.Prices{Input: 1_000_000, Output: 2_000_000}})
	is.NoErr(err)
	c := f.caller(t, gateway.KeySpec{})

	h := http.Header{"Authorization": {"Bearer tg-client"}, "X-Api-Key": {"tg-client"}, "Cookie": {"session=admin"}, "Anthropic-Beta": {"x"}}
	resp, err := f.gw.Proxy(context.Background(), c, "native", proxyRequest("POST", "/v1/messages?key=tg-client&beta=true", `{"model":"m1","max_tokens":5}`, h))
	is.NoErr(err)
	is.Equal(resp.StatusCode, 200)
	is.Equal(resp.Header.Get("Set-Cookie"), "") // upstream cookies stay upstream
	body, err := io.ReadAll(resp.Body)
	is.NoErr(err)
	is.NoErr(resp.Body.Close())
	is.True(strings.Contains(string(body), `"echo":{"model":"m1","max_tokens":5}`)) // the body went through unchanged

	sent := f.fakes.get("native").sent[0]
	is.Equal(sent.Header.Get("Authorization"), "Bearer sk-native") // the upstream credential, not the client's
	is.Equal(sent.Header.Get("X-Api-Key"), "")
	is.Equal(sent.Header.Get("Cookie"), "")
	is.Equal(sent.Header.Get("Anthropic-Beta"), "x") // other headers pass
	is.Equal(sent.URL.Path, "/v1/messages")
	is.Equal(sent.URL.Query().Get("key"), "")
	is.Equal(sent.URL.Query().Get("beta"), "true")

	rs := f.records(t)
	is.Equal(len(rs), 1)
	r := rs[0]
	is.Equal(r.Endpoint, "proxy")
	is.Equal(r.Model, "m1")
	is.Equal(r.ServedModel, "served-model")
	is.Equal(r.ProviderID, p.ID)
	is.Equal(r.Code, gateway.Code(""))
	is.Equal(r.Usage.TotalTokens, 10)
	is.Equal(r.Cost, gateway.Micros(7+6)) // 7 input at $1/M, 3 output at $2/M
}

func TestProxyFailsOverThenPassesTheLastAnswer(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	f.provider(t, "native", []string{"*"}, 1, 1)
	c := f.caller(t, gateway.KeySpec{})
	up := f.fakes.get("native")

	up.answers = []int{429}
	resp, err := f.gw.Proxy(context.Background(), c, "native", proxyRequest("POST", "/v1/chat", `{"model":"m"}`, nil))
	is.NoErr(err)
	is.Equal(resp.StatusCode, 200) // the second credential answered
	_, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()

	up.answers = []int{503, 503}
	f.clock.Advance(time.Second)
	resp, err = f.gw.Proxy(context.Background(), again(c), "native", proxyRequest("POST", "/v1/chat", `{"model":"m"}`, nil))
	is.NoErr(err)
	is.Equal(resp.StatusCode, 503) // the provider's own answer once no credential is left
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	is.True(strings.HasPrefix(string(body), `{"error":{"message":"from native-`))

	rs := f.records(t)
	is.Equal(len(rs), 2)
	is.Equal(len(rs[0].Attempts), 2)
	is.Equal(rs[0].Code, gateway.CodeUpstream)
	is.Equal(len(rs[1].Attempts), 2)
	is.Equal(rs[1].Code, gateway.Code(""))
}

func TestProxyRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.provider(t, "native", []string{"*"}, 1)
	open := f.caller(t, gateway.KeySpec{})
	limited := f.caller(t, gateway.KeySpec{Models: []string{"gemini-*"}})
	tests := []struct {
		name     string
		caller   *gateway.Caller
		provider string
		req      *http.Request
		code     gateway.Code
	}{
		{"UnknownProvider", open, "nope", proxyRequest("GET", "/v1/models", "", nil), gateway.CodeNotFound},
		{"NoModelForALimitedKey", limited, "native", proxyRequest("GET", "/v1/files", "", nil), gateway.CodeForbidden},
		{"ModelNotAllowed", limited, "native", proxyRequest("POST", "/v1/chat", `{"model":"gpt-4o"}`, nil), gateway.CodeForbidden},
		{"ModelNotAllowedInPath", limited, "native", proxyRequest("POST", "/v1beta/models/claude:generateContent", `{}`, nil), gateway.CodeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			_, err := f.gw.Proxy(context.Background(), again(tt.caller), tt.provider, tt.req)
			is.Equal(gateway.AsError(err).Code, tt.code)
		})
	}
	is := is.New(t)
	resp, err := f.gw.Proxy(context.Background(), limited, "native", proxyRequest("POST", "/v1beta/models/gemini-2.5-pro:streamGenerateContent", `{}`, nil))
	is.NoErr(err) // the model in a Gemini path counts
	_ = resp.Body.Close()
	is.Equal(len(f.records(t)), len(tests)+1) // refusals are recorded too
}

func TestProxyLimitsApply(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	f.provider(t, "native", []string{"*"}, 1)
	c := f.caller(t, gateway.KeySpec{Limits: gateway.Limits{RequestsPerMinute: 1}})
	resp, err := f.gw.Proxy(context.Background(), c, "native", proxyRequest("GET", "/v1/models", "", nil))
	is.NoErr(err)
	_ = resp.Body.Close()
	_, err = f.gw.Proxy(context.Background(), again(c), "native", proxyRequest("GET", "/v1/models", "", nil))
	is.Equal(gateway.AsError(err).Code, gateway.CodeRateLimited)
}

func TestProxyClosedEarlyIsCanceledWithUsageSoFar(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	f.provider(t, "native", []string{"*"}, 1)
	c := f.caller(t, gateway.KeySpec{})
	resp, err := f.gw.Proxy(context.Background(), c, "native", proxyRequest("POST", "/v1/chat", `{"model":"m"}`, nil))
	is.NoErr(err)
	buf := make([]byte, 200) // the whole small body, but not its end
	_, _ = io.ReadFull(resp.Body, buf[:len(`{"model":"served-model","echo":{"model":"m"},"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}`)])
	is.NoErr(resp.Body.Close())
	rs := f.records(t)
	is.Equal(len(rs), 1)
	is.Equal(rs[0].Code, gateway.CodeCanceled)
	is.Equal(rs[0].Usage.TotalTokens, 10)
}
