package sse_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/sse"
)

// discardResponse is an http.ResponseWriter and http.Flusher that keeps
// nothing.
type discardResponse struct{ header http.Header }

func (w *discardResponse) Header() http.Header         { return w.header }
func (w *discardResponse) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardResponse) WriteHeader(int)             {}
func (w *discardResponse) Flush()                      {}

// BenchmarkRelayChunk measures what the gateway does for each chunk of a
// streamed completion it relays: read the upstream's event (Reader),
// decode it into a gateway.ChatChunk (as the OpenAI adapters do),
// encode it for the client and write it as an event, flushed (as
// httpapi's stream relay does). The network is left out.
func BenchmarkRelayChunk(b *testing.B) {
	const chunk = `{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini",` +
		`"system_fingerprint":"fp_44709d6fcb","service_tier":"default","choices":[{"index":0,"delta":{"content":" world"},` +
		`"logprobs":null,"finish_reason":null}],"usage":null}`
	const per = 1000
	var stream bytes.Buffer
	for range per {
		stream.WriteString("data: " + chunk + "\n\n")
	}
	data := stream.Bytes()
	src := bytes.NewReader(data)
	r := sse.NewReader(src)
	w := sse.NewWriter(&discardResponse{header: http.Header{}})
	b.SetBytes(int64(len(data) / per))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n == per {
			src.Reset(data)
			r = sse.NewReader(src)
			n = 0
		}
		n++
		ev, err := r.Next()
		if err != nil {
			b.Fatal(err)
		}
		c := new(gateway.ChatChunk)
		if err := json.Unmarshal(ev.Data, c); err != nil {
			b.Fatal(err)
		}
		out, err := json.Marshal(c)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.WriteData(out); err != nil {
			b.Fatal(err)
		}
	}
}
