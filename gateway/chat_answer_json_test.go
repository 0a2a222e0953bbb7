package gateway

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// chunkJSONSeeds are chunks the fast paths must decode exactly as
// encoding/json does, and ones they must leave to it.
var chunkJSONSeeds = []string{
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o","service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":" line\n\"q\" \\ \/ caf\u00e9 <b>&amp; \u2028 \t\b\f\r"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"Xy1"}`,
	`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}`,
	`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`,
	`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":3,"cache_creation_tokens":4},"completion_tokens_details":null}}`,
	`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}]}`,
	`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"finish_reason":null}]}`,
	`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":1,"delta":{"refusal":"no","reasoning_content":"think"},"logprobs":{"content":[{"token":"<a>","logprob":-0.1, "bytes":[60]}]},"finish_reason":"length"}]}`,
	` {"choices":null,"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}} ` + "\n",
	`{"id":"c","choices":[{"index":0,"delta":{"content":"x"}}],"x_groq":{"usage":{"prompt_tokens":1}}}`,
	`{"error":{"message":"boom","type":"server_error"}}`,
	`{"ID":"c","choices":[]}`,
	`{"id":"a","id":"b"}`,
	`{"id":"c","Choices":[]}`,
	`{"id":"c","ch\u00f6ices":[]}`,
	`{"\u0069d":"esc"}`,
	`{"id":"\ud83d\ude00 pair"}`,
	`{"id":"\ud800 lone"}`,
	`{"id":"bad \xff"}`,
	`{"id":"ctl ` + "\x01" + `"}`,
	`{"created":1.5}`,
	`{"created":1e3}`,
	`{"created":99999999999999999999}`,
	`{"created":-0}`,
	`{"created":"1"}`,
	`{"created":null,"id":null,"choices":[{"index":null,"delta":null,"finish_reason":null,"logprobs":null}]}`,
	`{"choices":[{"delta":{"tool_calls":[{"index":null,"function":null}]}}]}`,
	`{"choices":[{"delta":{"tool_calls":null}}]}`,
	`{"choices":[{"delta":{"tool_calls":[{"index":1.0}]}}]}`,
	`{"choices":[1]}`,
	`{"choices":[null]}`,
	`{"choices":{}}`,
	`{"usage":{"prompt_tokens":"1"}}`,
	`{"usage":{"prompt_tokens_details":{"cached_tokens":1,"cached_tokens":2}}}`,
	`{"usage":{"completion_tokens_details":[]}}`,
	`{"x":tru}`,
	`{"x":nul}`,
	`{"x":01}`,
	`{"x":"\x"}`,
	`{"x":"\u12"}`,
	`{"x":[1,]}`,
	`{"id":"c",}`,
	`{"id":"c" "model":"m"}`,
	`{"id":"c"} trailing`,
	`{"id":"c"`,
	`[]`,
	`null`,
	`"x"`,
	``,
	`{}`,
}

// chunkEvent is a wire type that embeds ChatChunk beside fields of its
// own, as the OpenAI adapter's does.
type chunkEvent struct {
	ChatChunk
	Error json.RawMessage `json:"error"`
	XGroq *struct {
		Usage *Usage `json:"usage"`
	} `json:"x_groq"`
}

var refuseOwn = []string{"error", "x_groq"}

// FuzzChatChunkJSON checks that ChunkDecoder decodes only what
// json.Unmarshal accepts, to the same value, alone and for a wire type
// that embeds ChatChunk, and that AppendChatChunk encodes what
// json.Marshal does.
func FuzzChatChunkJSON(f *testing.F) {
	for _, s := range chunkJSONSeeds {
		f.Add([]byte(s))
	}
	primed := []byte(chunkJSONSeeds[0])
	f.Fuzz(func(t *testing.T, data []byte) {
		var want ChatChunk
		wantErr := json.Unmarshal(data, &want)
		var d ChunkDecoder
		var first ChatChunk
		d.Decode(primed, &first)
		for range 2 { // the second time with the strings kept from the first
			var got ChatChunk
			if !d.Decode(data, &got) {
				break
			}
			if wantErr != nil {
				t.Fatalf("%q: decoded; json.Unmarshal says %v", data, wantErr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: decoded differently:\njson %#v\nfast %#v", data, want, got)
			}
		}
		var wantEv chunkEvent
		evErr := json.Unmarshal(data, &wantEv)
		ed := ChunkDecoder{Refuse: refuseOwn}
		var ev chunkEvent
		if ed.Decode(data, &ev.ChatChunk) {
			if evErr != nil || !reflect.DeepEqual(ev, wantEv) {
				t.Fatalf("%q: as an embedded chunk: decoded %#v; json.Unmarshal %#v, %v", data, ev, wantEv, evErr)
			}
		}
		if wantErr == nil {
			checkChunkEncode(t, &want)
		}
	})
}

func checkChunkEncode(t *testing.T, c *ChatChunk) {
	t.Helper()
	want, wantErr := json.Marshal(c)
	got, err := AppendChatChunk([]byte("prefix"), c)
	if wantErr != nil {
		if err == nil || err.Error() != wantErr.Error() {
			t.Fatalf("AppendChatChunk error %v; json.Marshal's %v", err, wantErr)
		}
		return
	}
	if err != nil || !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Fatalf("AppendChatChunk = %s, %v; want prefix%s", got, err, want)
	}
}

// responseJSONSeeds are whole answers, as chunkJSONSeeds.
var responseJSONSeeds = []string{
	`{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hello \"there\"\n<ok>","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_1"}`,
	`{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},"finish_reason":"tool_calls"}]}`,
	`{"id":"c","choices":[{"index":0,"message":null}]}`,
	`{"id":"c","choices":[{"index":0,"message":"x"}]}`,
	`{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":[{"type":"text","text":"a"}]},"logprobs":{"content":[]}}]}`,
	`{"id":"c","choices":[{"message":{"role":"a","role":"b"}}]}`,
	`{"id":"c","choices":[],"usage":null,"Service_Tier":"x"}`,
	`{"id":"c","choices":null,"system_fingerprint":null}`,
	` {"id":"c"} `,
	`{"id":"c"} {"id":"d"}`,
	`{"id":1}`,
	`{}`,
}

// FuzzChatResponseJSON checks DecodeChatResponse and AppendChatResponse
// against encoding/json, as FuzzChatChunkJSON.
func FuzzChatResponseJSON(f *testing.F) {
	for _, s := range append(responseJSONSeeds, chunkJSONSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want ChatResponse
		slowJSON = true
		wantErr := json.Unmarshal(data, &want)
		slowJSON = false
		var got ChatResponse
		if DecodeChatResponse(data, &got) {
			if wantErr != nil {
				t.Fatalf("%q: decoded; json.Unmarshal says %v", data, wantErr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: decoded differently:\njson %#v\nfast %#v", data, want, got)
			}
		}
		if wantErr == nil {
			checkResponseEncode(t, &want)
		}
	})
}

func checkResponseEncode(t *testing.T, r *ChatResponse) {
	t.Helper()
	slowJSON = true
	want, wantErr := json.Marshal(r)
	slowJSON = false
	got, err := AppendChatResponse(nil, r)
	if wantErr != nil {
		if err == nil {
			t.Fatalf("AppendChatResponse = %s; json.Marshal fails: %v", got, wantErr)
		}
		return
	}
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("AppendChatResponse = %s, %v; want %s", got, err, want)
	}
}

// TestAnswerFastPathsTaken checks that the common forms take the fast
// paths: a fast path that always gave up would pass the fuzz tests.
func TestAnswerFastPathsTaken(t *testing.T) {
	for _, s := range chunkJSONSeeds[:9] {
		if !(&ChunkDecoder{Refuse: refuseOwn}).Decode([]byte(s), new(ChatChunk)) {
			t.Errorf("chunk left to encoding/json: %s", s)
		}
	}
	for _, s := range responseJSONSeeds[:2] {
		if !DecodeChatResponse([]byte(s), new(ChatResponse)) {
			t.Errorf("response left to encoding/json: %s", s)
		}
	}
}

// TestAnswerEncodeEdges covers what a decoded answer cannot hold.
func TestAnswerEncodeEdges(t *testing.T) {
	one, zero := 1, 0
	for _, c := range []ChatChunk{
		{ID: "c\xff\u2029<>&\x01\x7f", Choices: []ChunkChoice{{Logprobs: json.RawMessage(`{`)}}},
		{Choices: []ChunkChoice{{Logprobs: json.RawMessage(" [ \"<\" ] ")}}},
		{Choices: []ChunkChoice{{Logprobs: json.RawMessage{}}}},
		{Choices: []ChunkChoice{{Delta: Delta{ToolCalls: []ToolCall{{Index: &one}, {Index: &zero, ID: "i", Type: "function", Function: FunctionCall{Name: "f"}}}}}}},
		{Choices: []ChunkChoice{{Delta: Delta{Refusal: "r", ToolCalls: []ToolCall{}}}}},
		{Usage: &Usage{PromptTokensDetails: &PromptTokensDetails{AudioTokens: -1, CacheCreationTokens: 2},
			CompletionTokensDetails: &CompletionTokensDetails{AudioTokens: 1, AcceptedPredictionTokens: 2, RejectedPredictionTokens: 3}}},
	} {
		checkChunkEncode(t, &c)
	}
	for _, r := range []ChatResponse{
		{Choices: []Choice{{Logprobs: json.RawMessage{}}}},
		{Choices: []Choice{{Logprobs: json.RawMessage(" 1 ")}}},
		{Choices: []Choice{{Message: Message{Role: "user", Extra: Extra{"bad": json.RawMessage(`{`)}}}}},
		{Choices: []Choice{{Message: Message{Role: "user", Content: PartsContent(ContentPart{Type: "text", Text: "<"})}}}},
	} {
		checkResponseEncode(t, &r)
	}
}

func TestAnswerSeeds(t *testing.T) {
	for _, s := range chunkJSONSeeds {
		var c ChatChunk
		if json.Unmarshal([]byte(s), &c) == nil {
			checkChunkEncode(t, &c)
		}
	}
	for _, s := range responseJSONSeeds {
		var r ChatResponse
		if json.Unmarshal([]byte(s), &r) == nil {
			checkResponseEncode(t, &r)
		}
	}
}

// TestAnswerFieldsMatchStructs checks that the fast paths of the answer
// side know every JSON field of the types they decode, in field order.
func TestAnswerFieldsMatchStructs(t *testing.T) {
	for _, c := range []struct {
		typ   reflect.Type
		names []string
	}{
		{reflect.TypeFor[ChatChunk](), chunkFields[:]},
		{reflect.TypeFor[ChunkChoice](), chunkChoiceFields[:]},
		{reflect.TypeFor[Delta](), deltaFields[:]},
		{reflect.TypeFor[ChatResponse](), responseFields[:]},
		{reflect.TypeFor[Choice](), choiceFields[:]},
		{reflect.TypeFor[Usage](), usageFields[:]},
		{reflect.TypeFor[PromptTokensDetails](), promptDetailFields[:]},
		{reflect.TypeFor[CompletionTokensDetails](), completionDetailFlds[:]},
		{reflect.TypeFor[ToolCall](), toolCallFields[:]},
		{reflect.TypeFor[FunctionCall](), functionCallFields[:]},
	} {
		if got := jsonNames(c.typ); !reflect.DeepEqual(got, c.names) {
			t.Errorf("%s's JSON fields are %q; the fast path's list has %q", c.typ, got, c.names)
		}
	}
}
