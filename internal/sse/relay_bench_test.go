package sse_test

import (
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
// streamed completion it relays from an OpenAI upstream: read the
// upstream's event (Reader), skim it for metering (gateway.ChunkSkimmer,
// as the OpenAI adapters' NextRaw does) and write it as an event,
// flushed (as httpapi's stream relay does). The network is left out.
func BenchmarkRelayChunk(b *testing.B) {
	const chunk = `{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini",` +
		`"system_fingerprint":"fp_44709d6fcb","service_tier":"default","choices":[{"index":0,"delta":{"content":" world"},` +
		`"logprobs":null,"finish_reason":null}],"usage":null}`
	next := benchEvents(b, chunk)
	w := sse.NewWriter(&discardResponse{header: http.Header{}})
	skimmer := gateway.ChunkSkimmer{Refuse: []string{"error", "x_groq"}}
	b.ReportAllocs()
	for b.Loop() {
		r := next()
		ev, err := r.Next()
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := skimmer.Skim(ev.Data); !ok {
			b.Fatal("not skimmed")
		}
		if r.Buffered() {
			w.Hold()
		}
		if err := w.WriteData(ev.Data); err != nil {
			b.Fatal(err)
		}
	}
}
