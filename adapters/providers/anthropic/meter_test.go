package anthropic_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropictest"
)

// feed writes body to m in pieces of n bytes.
func feed(m gateway.UsageMeter, body []byte, n int) {
	for len(body) > 0 {
		k := min(n, len(body))
		if w, err := m.Write(body[:k]); w != k || err != nil {
			panic("UsageMeter.Write must take everything")
		}
		body = body[k:]
	}
}

// passThrough sends a native request to the test server, authorized by u,
// and returns the response's content type and body.
func passThrough(t *testing.T, srv *anthropictest.Server, body string) (string, []byte) {
	t.Helper()
	u := mustNew(t, srv.URL, nil)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/messages", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Authorize(req, cred(testKey)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Get("Content-Type"), data
}

func TestMeter(t *testing.T) {
	t.Parallel()
	srv := anthropictest.New(t, testKey)
	srv.SetUsage(30, 12)
	msg := `{"model":"claude-haiku-4-5","max_tokens":100,"messages":[{"role":"user","content":"count these five words"}]`
	want := gateway.Usage{PromptTokens: 3 + 4 + 30 + 12, CompletionTokens: 5, TotalTokens: 3 + 4 + 30 + 12 + 5,
		PromptTokensDetails: &gateway.PromptTokensDetails{CachedTokens: 30, CacheCreationTokens: 12}}
	for _, tt := range []struct {
		name string
		body string
	}{{"JSON", msg + "}"}, {"SSE", msg + `,"stream":true}`}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ct, body := passThrough(t, srv, tt.body)
			u := mustNew(t, "", nil)
			for _, size := range []int{1, 7, 64, len(body)} {
				is := is.New(t)
				m := u.Meter(nil, ct)
				feed(m, body, size)
				got, model, ok := m.Usage()
				is.True(ok)
				is.Equal(model, "claude-haiku-4-5")
				is.Equal(got, want)
			}
		})
	}
}

func TestMeterJSONCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		ok     bool
		model  string
		prompt int
		output int
	}{
		{name: "Pretty", body: "{\n  \"id\": \"msg\",\n  \"model\" : \"m1\",\n  \"usage\" : {\n \"input_tokens\": 3, \"output_tokens\": 4\n  }\n}\n",
			ok: true, model: "m1", prompt: 3, output: 4},
		{name: "NestedUsageIgnored", body: `{"model":"m","content":[{"type":"tool_use","input":{"usage":{"input_tokens":999},"model":"x"}}],"text":"\"usage\":{\"input_tokens\":5}","usage":{"input_tokens":1,"output_tokens":2}}`,
			ok: true, model: "m", prompt: 1, output: 2},
		{name: "UsageFirstThenOther", body: `{"usage":{"input_tokens":1,"output_tokens":1},"usage2":{"input_tokens":7}}`, ok: true, prompt: 1, output: 1},
		{name: "EscapesInStrings", body: `{"content":"a\\\"},{\"usage\":1","model":"m\"2","usage":{"output_tokens":8}}`, ok: true, model: `m"2`, output: 8},
		{name: "Error", body: `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`},
		{name: "UsageNull", body: `{"model":"m","usage":null}`, model: "m"},
		{name: "CountTokens", body: `{"input_tokens":12}`},
		{name: "NotAnObject", body: `[{"usage":{"input_tokens":1}}]`},
		{name: "Truncated", body: `{"model":"m","usage":{"input_tokens":1,`, model: "m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			m := mustNew(t, "", nil).Meter(nil, "application/json")
			feed(m, []byte(tt.body), 3)
			u, model, ok := m.Usage()
			is.Equal(ok, tt.ok)
			is.Equal(model, tt.model)
			is.Equal(u.PromptTokens, tt.prompt)
			is.Equal(u.CompletionTokens, tt.output)
		})
	}
}

func TestMeterBoundsMemory(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	m := mustNew(t, "", nil).Meter(nil, "application/json")
	feed(m, []byte(`{"model":"m","content":[{"type":"text","text":"`), 100)
	chunk := bytes.Repeat([]byte("word "), 1<<16)
	for range 64 { // 20 MiB of content is not kept
		feed(m, chunk, len(chunk))
	}
	feed(m, []byte(`"}],"usage":{"input_tokens":5,"output_tokens":6}}`), 100)
	u, _, ok := m.Usage()
	is.True(ok)
	is.Equal(u.CompletionTokens, 6)

	huge := mustNew(t, "", nil).Meter(nil, "application/json")
	feed(huge, []byte(`{"usage":{"x":"`), 100)
	feed(huge, bytes.Repeat([]byte("a"), 1<<20), 4096) // a watched value too long to keep
	feed(huge, []byte(`"}}`), 3)
	_, _, ok = huge.Usage()
	is.True(!ok)
}

func TestMeterSSECases(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	u := mustNew(t, "", nil)
	m := u.Meter(nil, "text/event-stream; charset=utf-8")
	_, _, ok := m.Usage()
	is.True(!ok)
	feed(m, []byte("event: message_start\r\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"m\",\"usage\":{\"input_tokens\":4,\"cache_read_input_tokens\":2,\"output_tokens\":1}}}\r\n\r\n"), 5)
	got, model, ok := m.Usage()
	is.True(ok)
	is.Equal(model, "m")
	is.Equal(got.PromptTokens, 6)
	feed(m, []byte("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":17}}\n\n"), 9)
	got, _, _ = m.Usage()
	is.Equal(got.CompletionTokens, 17)
	is.Equal(got.PromptTokens, 6) // the delta did not say: message_start's stays
	feed(m, []byte("event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"input_tokens\":9,\"output_tokens\":20}}\n\n"), 100)
	got, _, _ = m.Usage()
	is.Equal(got.PromptTokens, 11)
	is.Equal(got.TotalTokens, 31)
}
