package gateway

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

var skimRefused = []string{"error", "x_groq"}

var skimCases = []struct {
	name     string
	chunk    string
	ok       bool
	text     int
	finished bool
}{
	{"content", string(benchChunk), true, len(` the quick\nbrown fox`), false},
	{"role", `{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`, true, 0, false},
	{"finish", `{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`, true, 0, true},
	{"empty finish", `{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":""}]}`, true, 0, false},
	{"tool call", `{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"usage\": {\"error\": 1}}"}}]}}]}`, true, len("get_weather") + len(`{\"usage\": {\"error\": 1}}`), false},
	{"colons in text", `{"choices":[{"delta":{"content":"a: \"b\": c"}}],"usage" : null}`, true, len(`a: \"b\": c`), false},
	{"spaces", "{ \"choices\" : [ { \"delta\" : { \"content\" : \"hi\" } , \"finish_reason\" : \"length\" } ] }", true, 2, true},
	{"usage", `{"id":"c","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`, false, 0, false},
	{"usage spaced", "{\"choices\":[],\"usage\"\t:\n{\"prompt_tokens\":1}}", false, 0, false},
	{"usage in another case", `{"choices":[],"Usage":{"prompt_tokens":1}}`, false, 0, false},
	{"usage escaped", `{"choices":[],"us\u0061ge":{"prompt_tokens":1}}`, false, 0, false},
	{"key outside ASCII", `{"choices":[],"uſage":{"prompt_tokens":1}}`, false, 0, false},
	{"error", `{"error":{"message":"overloaded","type":"server_error"}}`, false, 0, false},
	{"groq usage", `{"choices":[],"x_groq":{"id":"req_1","usage":{"prompt_tokens":1}}}`, false, 0, false},
	{"escaped quote before a colon", `{"id":"a\":b","choices":[]}`, false, 0, false},
	{"not an object", `[1,2]`, false, 0, false},
	{"cut", `{"choices":[{"delta":{"content":"abc}`, false, 0, false},
}

func TestSkimChunk(t *testing.T) {
	t.Parallel()
	for _, tc := range skimCases {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := (&ChunkSkimmer{Refuse: skimRefused}).Skim([]byte(tc.chunk))
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if ok && (s.Text != tc.text || s.Finished != tc.finished) {
				t.Fatalf("skim = %+v, want text %d finished %v", s, tc.text, tc.finished)
			}
		})
	}
}

// skimmedChunk is what the skim must agree with: the chunk as
// json.Unmarshal decodes it, with the members an upstream refuses.
type skimmedChunk struct {
	ChatChunk
	Error json.RawMessage `json:"error"`
	XGroq json.RawMessage `json:"x_groq"`
}

// FuzzSkimChunk checks that a chunk the skim passes holds, decoded, no
// usage and none of the refused members, finishes as the skim says, and
// has no more text than it counted; and that a skimmer that read another
// chunk first, whose start it may reuse, finds what a new one finds.
func FuzzSkimChunk(f *testing.F) {
	for _, tc := range skimCases {
		f.Add([]byte(tc.chunk), []byte(skimCases[0].chunk))
	}
	f.Add(benchChunk, []byte(strings.Replace(string(benchChunk), "the quick", "a", 1)))
	f.Add([]byte(`{"choices":[{"delta":{"tool_calls":[{"function":{"name":"f","arguments":"{\"a\":1}"}}]},"finish_reason":"tool_calls"}],"usage":null}`),
		[]byte(`{"choices":[{"delta":{"tool_calls":[{"function":{"name":"g","arguments":"x"}}]}}],"usage":{"total_tokens":1}}`))
	f.Add([]byte(`{"choices":[{"delta":{"content":"x","refusal":"no"}}],"USAGE":{"total_tokens":1}}`), []byte(`{"choices":[{"delta":{"content":"y"}}]}`))
	f.Add([]byte(`{"choices":[],"Error":null,"usage":{}}`), []byte(`{}`))
	// The same bytes around another first text; a colon just after it
	// makes that text a key.
	f.Add([]byte(`{"choices":[{"delta":{"content":"b"},"finish_reason":"stop"}],"usage":null}`),
		[]byte(`{"choices":[{"delta":{"content":"a"},"finish_reason":"stop"}],"usage":null}`))
	f.Add([]byte(`{"choices":[{"delta":{"content":"usage":1}}]}`), []byte(`{"choices":[{"delta":{"content":"hi":1}}]}`))
	// After the same bytes, a last value that changes (OpenAI's
	// obfuscation) but holds a colon, or is followed by more members.
	f.Add([]byte(`{"choices":[{"delta":{"content":"b"}}],"usage":null,"obfuscation":"a\":1"}`),
		[]byte(`{"choices":[{"delta":{"content":"a"}}],"usage":null,"obfuscation":"xy"}`))
	f.Add([]byte(`{"choices":[{"delta":{"content":"b"}}],"obfuscation":"z","usage":{"total_tokens":1}}`),
		[]byte(`{"choices":[{"delta":{"content":"a"}}],"obfuscation":"xy"}`))
	f.Add([]byte(`{"choices":[{"delta":{"content":"b"},"finish_reason":"stop"}]}`),
		[]byte(`{"choices":[{"delta":{"content":"a"},"finish_reason":null}]}`))
	f.Add([]byte(`{"choices":[{"delta":{"content":"x"}}],"usage":{"total_tokens":1}}`),
		[]byte(`{"choices":[{"delta":{"content":"y"}}],"usage":{"total_tokens":1}}`))
	f.Add([]byte("{\"ChoiCes\":[{\"deltA\":{\"refusAl\":\"\xff\"}}]}"), []byte(`{"choices":[]}`)) // invalid UTF-8
	f.Fuzz(func(t *testing.T, data, before []byte) {
		s, ok := (&ChunkSkimmer{Refuse: skimRefused}).Skim(data)
		warm := ChunkSkimmer{Refuse: skimRefused}
		warm.Skim(before)
		if ws, wok := warm.Skim(data); ws != s || wok != ok {
			t.Fatalf("%s after %s: %+v %v; alone: %+v %v", data, before, ws, wok, s, ok)
		}
		var c skimmedChunk
		if !ok || json.Unmarshal(data, &c) != nil {
			return
		}
		if c.Usage != nil || c.Error != nil || c.XGroq != nil {
			t.Fatalf("skimmed %s, which has usage, error or x_groq", data)
		}
		text, finished := 0, false
		for _, ch := range c.Choices {
			text += len(ch.Delta.Content) + len(ch.Delta.Refusal)
			for _, tc := range ch.Delta.ToolCalls {
				text += len(tc.Function.Name) + len(tc.Function.Arguments)
			}
			finished = finished || ch.FinishReason != ""
		}
		// A finish_reason or text member elsewhere in the chunk is counted
		// too, so the skim may find more, never less (but for invalid
		// UTF-8, which decodes to longer U+FFFD).
		if finished && !s.Finished {
			t.Fatalf("%s: the skim missed the finish_reason", data)
		}
		if s.Text < text && utf8.Valid(data) {
			t.Fatalf("%s: skim counted %d bytes of text, decoded %d", data, s.Text, text)
		}
	})
}

// BenchmarkSkimChunk skims the chunks of a stream, which share their
// start ("stream"), and a chunk alone ("alone").
func BenchmarkSkimChunk(b *testing.B) {
	next := []byte(strings.Replace(string(benchChunk), "the quick", "a", 1))
	b.Run("stream", func(b *testing.B) {
		k := ChunkSkimmer{Refuse: skimRefused}
		k.Skim(next)
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := k.Skim(benchChunk); !ok {
				b.Fatal("not skimmed")
			}
		}
	})
	// OpenAI's obfuscation member, last, changes at every chunk.
	b.Run("obfuscated", func(b *testing.B) {
		k := ChunkSkimmer{Refuse: skimRefused}
		chunks := [][]byte{benchChunk, []byte(strings.Replace(string(benchChunk), "k2x", "Q7", 1))}
		k.Skim(next)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			if _, ok := k.Skim(chunks[n&1]); !ok {
				b.Fatal("not skimmed")
			}
		}
	})
	b.Run("alone", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			k := ChunkSkimmer{Refuse: skimRefused}
			if _, ok := k.Skim(benchChunk); !ok {
				b.Fatal("not skimmed")
			}
		}
	})
}
