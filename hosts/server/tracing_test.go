package main

import (
	"bytes"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

// otlpReceiver is a collector's OTLP/HTTP trace endpoint: it keeps the
// protobuf body of every export to POST /v1/traces.
type otlpReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	r := &otlpReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil || req.Method != http.MethodPost || req.URL.Path != "/v1/traces" ||
			req.Header.Get("Content-Type") != "application/x-protobuf" || len(body) == 0 {
			http.Error(w, "not an OTLP/HTTP protobuf trace export", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.bodies = append(r.bodies, body)
		r.mu.Unlock()
		// An empty ExportTraceServiceResponse: everything accepted.
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.Close)
	return r
}

// received returns every export body so far, joined.
func (r *otlpReceiver) received() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Join(r.bodies, nil)
}

// With TOLLGATE_OTLP_ENDPOINT set, a chat request is traced: it joins the
// caller's trace (traceparent in), carries its trace to the provider
// (traceparent out, the attempt's span as parent), and its spans reach the
// collector over OTLP/HTTP when the server closes, without a secret. Off,
// nothing is propagated.
func TestTracingOverOTLP(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	collector := newOTLPReceiver(t)
	upstream := openaitest.New(t, "sk-upstream-secret-1")
	m, base := gatewayServer(t, map[string]string{"TOLLGATE_OTLP_ENDPOINT": collector.URL})
	key := issueKey(t, base, upstream)

	// A caller already in a trace.
	const traceID, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req, err := http.NewRequest("POST", base+"/v1/chat/completions",
		strings.NewReader(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`))
	is.NoErr(err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Traceparent", "00-"+traceID+"-"+callerSpan+"-01")
	resp, err := http.DefaultClient.Do(req)
	is.NoErr(err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	is.Equal(resp.StatusCode, http.StatusOK)
	requestID := resp.Header.Get("X-Request-Id")
	is.True(requestID != "")
	// A caller outside any trace: a new one, sampled (TOLLGATE_TRACE_SAMPLE 1).
	is.Equal(chatStatus(t, base, key, "gpt-4o-mini"), http.StatusOK)

	var sent []string
	for _, r := range upstream.Requests() {
		if r.Path == "/v1/chat/completions" {
			sent = append(sent, r.Header.Get("Traceparent"))
		}
	}
	is.Equal(len(sent), 2)
	joined := strings.Split(sent[0], "-")
	is.Equal(len(joined), 4)
	is.Equal(joined[1], traceID)     // the caller's trace
	is.True(joined[2] != callerSpan) // under the gateway's attempt span
	is.Equal(joined[3], "01")
	fresh := strings.Split(sent[1], "-")
	is.Equal(len(fresh), 4)
	is.True(fresh[1] != traceID)
	is.Equal(fresh[3], "01")

	is.NoErr(m.Close()) // flushes the batched spans
	var got []byte
	is.True(within(5*time.Second, func() bool {
		got = collector.received()
		return bytes.Contains(got, []byte("tollgate.upstream"))
	}))
	tid, _ := hex.DecodeString(traceID)
	is.True(bytes.Contains(got, []byte("tollgate.request")))
	is.True(bytes.Contains(got, tid))               // the spans joined the caller's trace
	is.True(bytes.Contains(got, []byte(requestID))) // tollgate.request_id
	is.True(bytes.Contains(got, []byte("gen_ai.usage.input_tokens")))
	is.True(!bytes.Contains(got, []byte(key))) // no client key
	is.True(!bytes.Contains(got, []byte("sk-upstream-secret-1")))
	is.True(!bytes.Contains(got, []byte(adminKey)))
	is.True(!bytes.Contains(got, []byte("Echo: hi"))) // nor any content

	// Off (no endpoint), no span exists, so nothing goes upstream, even
	// with the process's propagator set by the server above.
	plain := openaitest.New(t, "sk-upstream-secret-1")
	_, offBase := gatewayServer(t, map[string]string{})
	offKey := issueKey(t, offBase, plain)
	is.Equal(chatStatus(t, offBase, offKey, "gpt-4o-mini"), http.StatusOK)
	for _, r := range plain.Requests() {
		is.Equal(r.Header.Get("Traceparent"), "")
	}
}
