package gateway

import (
	"encoding/json"
	"testing"
)

// benchChunk is a chunk as OpenAI streams it.
var benchChunk = []byte(`{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f9f4fb6dbf","choices":[{"index":0,"delta":{"content":" the quick\nbrown fox"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"k2x"}`)

func BenchmarkChunkRelay(b *testing.B) {
	// wire is the relay of an OpenAI upstream's chunk: decoded to meter
	// it, its bytes kept and sent as they came.
	b.Run("wire", func(b *testing.B) {
		var d ChunkDecoder
		b.ReportAllocs()
		for b.Loop() {
			c := new(ChatChunk)
			if !d.Decode(benchChunk, c) {
				b.Fatal("left to encoding/json")
			}
			c.SetWire(benchChunk)
		}
	})
	// fast is the relay of a chunk that must be encoded anew.
	b.Run("fast", func(b *testing.B) {
		var d ChunkDecoder
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			c := new(ChatChunk)
			if !d.Decode(benchChunk, c) {
				b.Fatal("left to encoding/json")
			}
			buf, _ = AppendChatChunk(buf[:0], c)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c := new(ChatChunk)
			if err := json.Unmarshal(benchChunk, c); err != nil {
				b.Fatal(err)
			}
			_, _ = json.Marshal(c)
		}
	})
}

var benchResponse = []byte(`{"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion","created":1741570283,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"The image shows a wooden boardwalk path running through a lush green field or meadow.\nThe sky is bright blue with some scattered clouds, giving the scene a serene and peaceful atmosphere.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":1117,"completion_tokens":46,"total_tokens":1163,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_fc9f1d7035"}`)

func BenchmarkResponseRelay(b *testing.B) {
	b.Run("fast", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			r := new(ChatResponse)
			if !DecodeChatResponse(benchResponse, r) {
				b.Fatal("left to encoding/json")
			}
			buf, _ = AppendChatResponse(buf[:0], r)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := new(ChatResponse)
			if err := json.Unmarshal(benchResponse, r); err != nil {
				b.Fatal(err)
			}
			_, _ = json.Marshal(r)
		}
	})
}
