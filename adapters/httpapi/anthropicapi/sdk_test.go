package anthropicapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/httpapi/anthropicapi"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// frontDoor is a minimal Anthropic-format server built on the package, as
// the HTTP server uses it: it translates each request with ToChat (and
// keeps the result), then answers with FromChat of resp, or streams chunks
// through a Stream, cut by cut when it is set.
type frontDoor struct {
	resp   string   // a canonical completion, as JSON
	chunks []string // canonical chunks, as JSON
	cut    error

	mu   sync.Mutex // guards chunks, which a test may change between requests, and reqs
	reqs []*gateway.ChatRequest
}

func (f *frontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req anthropicwire.Request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	chat, err := anthropicapi.ToChat(&req)
	if err != nil {
		typ := anthropicapi.ErrorType(err)
		body := anthropicwire.ErrorResponse{Type: "error", Error: anthropicwire.ErrorDetail{Type: typ, Message: gateway.ErrorMessage(err)}}
		writeJSON(w, anthropicwire.Status(typ), body)
		return
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, chat)
	chunks := f.chunks
	f.mu.Unlock()
	if !chat.Stream {
		var resp gateway.ChatResponse
		if err := json.Unmarshal([]byte(f.resp), &resp); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, http.StatusOK, anthropicapi.FromChat(&resp))
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	s := anthropicapi.NewStream(req.Model)
	var events []anthropicwire.Event
	for _, c := range chunks {
		var ch gateway.ChatChunk
		if err := json.Unmarshal([]byte(c), &ch); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		events = append(events, s.Chunk(&ch)...)
	}
	if f.cut != nil {
		events = append(events, s.Error(f.cut))
	} else {
		events = append(events, s.End()...)
	}
	var b []byte
	for i := range events {
		if b, err = anthropicwire.AppendSSE(b, &events[i]); err != nil {
			panic(err) // the events are built by the package; they always encode
		}
	}
	_, _ = w.Write(b)
}

func (f *frontDoor) requests() []*gateway.ChatRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*gateway.ChatRequest(nil), f.reqs...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// sdkClient returns an anthropic-sdk-go client of a server running f.
func sdkClient(t *testing.T, f *frontDoor) anthropic.Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return anthropic.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("tg-test"), option.WithMaxRetries(0))
}

func sdkParams(text string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:     "claude-sonnet-4-5",
		MaxTokens: 512,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(text))},
	}
}

var sdkWeather = anthropic.ToolUnionParamOfTool(anthropic.ToolInputSchemaParam{
	Properties: map[string]any{"city": map[string]any{"type": "string"}},
	Required:   []string{"city"},
}, "get_weather")

// accumulate streams p and rebuilds the message as SDK users do.
func accumulate(t *testing.T, c anthropic.Client, p anthropic.MessageNewParams) (anthropic.Message, error) {
	t.Helper()
	stream := c.Messages.NewStreaming(context.Background(), p)
	defer stream.Close()
	var msg anthropic.Message
	for stream.Next() {
		if err := msg.Accumulate(stream.Current()); err != nil {
			t.Fatalf("accumulate: %v", err)
		}
	}
	return msg, stream.Err()
}

const sdkUsage = `{"id":"chatcmpl-9","model":"gpt-4o","choices":[],
	"usage":{"prompt_tokens":120,"completion_tokens":42,"total_tokens":162,"prompt_tokens_details":{"cached_tokens":100,"cache_creation_tokens":5}}}`

func TestSDKStreamText(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := &frontDoor{chunks: []string{
		chunk(`{"role":"assistant","content":""}`, ""),
		chunk(`{"content":"Hello, "}`, ""),
		chunk(`{"content":"world."}`, ""),
		chunk(`{}`, "stop"),
		sdkUsage,
	}}
	msg, err := accumulate(t, sdkClient(t, f), sdkParams("hi"))
	is.NoErr(err)
	is.Equal(msg.ID, "msg_chatcmpl-9")
	is.Equal(string(msg.Model), "claude-sonnet-4-5")
	is.Equal(string(msg.Role), "assistant")
	is.Equal(len(msg.Content), 1)
	is.Equal(msg.Content[0].Type, "text")
	is.Equal(msg.Content[0].Text, "Hello, world.")
	is.Equal(msg.StopReason, anthropic.StopReasonEndTurn)
	is.Equal(msg.Usage.InputTokens, int64(15))
	is.Equal(msg.Usage.CacheReadInputTokens, int64(100))
	is.Equal(msg.Usage.CacheCreationInputTokens, int64(5))
	is.Equal(msg.Usage.OutputTokens, int64(42))

	reqs := f.requests()
	is.Equal(len(reqs), 1)
	is.True(reqs[0].Stream)
	is.True(reqs[0].WantsUsageInStream())
}

func TestSDKStreamToolsRoundTrip(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := &frontDoor{chunks: []string{
		chunk(`{"role":"assistant","content":"Checking both."}`, ""),
		chunk(toolDelta(0, "call_a", "get_weather", ""), ""),
		chunk(toolDelta(0, "", "", `{"ci`), ""),
		chunk(toolDelta(0, "", "", `ty": "Paris"}`), ""),
		chunk(toolDelta(1, "call_b", "get_weather", `{"city"`), ""),
		chunk(toolDelta(1, "", "", `:"Rome"}`), ""),
		chunk(`{}`, "tool_calls"),
		sdkUsage,
	}}
	c := sdkClient(t, f)
	p := sdkParams("weather in Paris and Rome?")
	p.Tools = []anthropic.ToolUnionParam{sdkWeather}
	msg, err := accumulate(t, c, p)
	is.NoErr(err)
	is.Equal(msg.StopReason, anthropic.StopReasonToolUse)
	is.Equal(len(msg.Content), 3)
	is.Equal(msg.Content[0].Text, "Checking both.")
	for i, want := range []struct{ id, input string }{{"call_a", `{"city": "Paris"}`}, {"call_b", `{"city":"Rome"}`}} {
		tu := msg.Content[i+1].AsToolUse()
		is.Equal(tu.ID, want.id)
		is.Equal(tu.Name, "get_weather")
		is.Equal(string(tu.Input), want.input)
	}
	is.Equal(msg.Usage.OutputTokens, int64(42))

	// The client answers the calls; the tool results reach the upstream
	// as tool messages right after the assistant's calls.
	p.Messages = append(p.Messages, msg.ToParam(), anthropic.NewUserMessage(
		anthropic.NewToolResultBlock("call_a", "21C sunny", false),
		anthropic.NewToolResultBlock("call_b", "rain", false),
		anthropic.NewTextBlock("which is warmer?")))
	f.mu.Lock()
	f.chunks = nil // the second answer is empty
	f.mu.Unlock()
	_, err = accumulate(t, c, p)
	is.NoErr(err)
	reqs := f.requests()
	is.Equal(len(reqs), 2)
	got := reqs[1].Messages
	is.Equal(len(got), 5)
	is.Equal(got[1].Role, "assistant")
	is.Equal(got[1].Content.Text(), "Checking both.")
	is.Equal(len(got[1].ToolCalls), 2)
	is.Equal(got[1].ToolCalls[0].ID, "call_a")
	sameJSON(t, []byte(got[1].ToolCalls[0].Function.Arguments), `{"city":"Paris"}`)
	is.Equal(got[2].Role, "tool")
	is.Equal(got[2].ToolCallID, "call_a")
	is.Equal(got[2].Content.Text(), "21C sunny")
	is.Equal(got[3].ToolCallID, "call_b")
	is.Equal(got[4].Role, "user")
	is.Equal(got[4].Content.Text(), "which is warmer?")
}

func TestSDKStreamNoChunks(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	msg, err := accumulate(t, sdkClient(t, &frontDoor{}), sdkParams("hi"))
	is.NoErr(err)
	is.Equal(len(msg.Content), 0)
	is.Equal(msg.StopReason, anthropic.StopReasonEndTurn)
	is.Equal(string(msg.Type), "message") // message_start was read
}

func TestSDKStreamError(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := &frontDoor{
		chunks: []string{chunk(`{"content":"partial"}`, "")},
		cut:    &gateway.Error{Code: gateway.CodeUpstream, Status: 529, Message: "the upstream is overloaded", Delivered: true},
	}
	msg, err := accumulate(t, sdkClient(t, f), sdkParams("hi"))
	var apiErr *anthropic.Error
	is.True(errors.As(err, &apiErr))
	is.Equal(string(apiErr.Type()), "overloaded_error")
	is.Equal(msg.Content[0].Text, "partial") // what came before the error
}

func TestSDKMessage(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := &frontDoor{resp: `{"id":"chatcmpl-7","object":"chat.completion","model":"gpt-4o","choices":[{"index":0,
		"message":{"role":"assistant","content":"Let me look.","tool_calls":[
			{"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
			{"id":"call_b","type":"function","function":{"name":"get_weather","arguments":"not json"}}]},
		"finish_reason":"tool_calls"}],
		"usage":{"prompt_tokens":50,"completion_tokens":9,"total_tokens":59,"prompt_tokens_details":{"cached_tokens":30}}}`}
	p := sdkParams("weather?")
	p.Tools = []anthropic.ToolUnionParam{sdkWeather}
	msg, err := newMessage(t, f, p)
	is.NoErr(err)
	is.Equal(msg.ID, "msg_chatcmpl-7")
	is.Equal(string(msg.Model), "gpt-4o")
	is.Equal(msg.StopReason, anthropic.StopReasonToolUse)
	is.Equal(len(msg.Content), 3)
	is.Equal(msg.Content[0].AsText().Text, "Let me look.")
	tu := msg.Content[1].AsToolUse()
	is.Equal(tu.ID, "call_a")
	is.Equal(string(tu.Input), `{"city":"Paris"}`)
	is.Equal(string(msg.Content[2].AsToolUse().Input), `{"arguments":"not json"}`)
	is.Equal(msg.Usage.InputTokens, int64(20))
	is.Equal(msg.Usage.CacheReadInputTokens, int64(30))
	is.Equal(msg.Usage.OutputTokens, int64(9))
	is.True(!f.requests()[0].Stream)
}

func TestSDKRequest(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := &frontDoor{resp: completion(`{"role":"assistant","content":"ok"}`, "stop", "")}
	p := anthropic.MessageNewParams{
		Model:         "claude-opus-4-1",
		MaxTokens:     2048,
		System:        []anthropic.TextBlockParam{{Text: "You are terse."}, {Text: "Answer in French."}},
		Temperature:   anthropic.Float(0.3),
		TopK:          anthropic.Int(20),
		StopSequences: []string{"END"},
		Metadata:      anthropic.MetadataParam{UserID: anthropic.String("user-42")},
		Thinking:      anthropic.ThinkingConfigParamOfEnabled(8000),
		Tools:         []anthropic.ToolUnionParam{sdkWeather},
		ToolChoice:    anthropic.ToolChoiceParamOfTool("get_weather"),
		Messages: []anthropic.MessageParam{
			anthropic.NewUserMessage(anthropic.NewTextBlock("what is in these?"),
				anthropic.NewImageBlockBase64("image/png", "iVBORw0KGgo="),
				anthropic.NewImageBlock(anthropic.URLImageSourceParam{URL: "https://example.com/a.jpg"}),
				anthropic.NewDocumentBlock(anthropic.Base64PDFSourceParam{Data: "JVBERi0="})),
			anthropic.NewAssistantMessage(anthropic.NewThinkingBlock("sig", "hmm"),
				anthropic.NewToolUseBlock("toolu_1", map[string]any{"city": "Paris"}, "get_weather")),
			anthropic.NewUserMessage(anthropic.NewToolResultBlock("toolu_1", "sunny", true)),
		},
	}
	_, err := newMessage(t, f, p)
	is.NoErr(err)
	got := f.requests()[0]
	sameJSON(t, mustJSON(t, got), `{"model":"claude-opus-4-1","max_tokens":2048,"temperature":0.3,"stop":["END"],"user":"user-42",
		"reasoning_effort":"medium",
		"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
		"tool_choice":{"type":"function","function":{"name":"get_weather"}},
		"messages":[
			{"role":"system","content":"You are terse.\n\nAnswer in French."},
			{"role":"user","content":[{"type":"text","text":"what is in these?"},
				{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
				{"type":"image_url","image_url":{"url":"https://example.com/a.jpg"}},
				{"type":"file","file":{"filename":"document.pdf","file_data":"data:application/pdf;base64,JVBERi0="}}]},
			{"role":"assistant","content":null,"tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
			{"role":"tool","tool_call_id":"toolu_1","content":"sunny"}]}`)
}

func TestSDKInvalid(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	p := sdkParams("search the web")
	p.Tools = []anthropic.ToolUnionParam{{OfWebSearchTool20250305: &anthropic.WebSearchTool20250305Param{}}}
	f := &frontDoor{}
	_, err := newMessage(t, f, p)
	var apiErr *anthropic.Error
	is.True(errors.As(err, &apiErr))
	is.Equal(apiErr.StatusCode, http.StatusBadRequest)
	is.Equal(string(apiErr.Type()), "invalid_request_error")
	is.Equal(len(f.requests()), 0)
}

// newMessage sends p without streaming through a client of f.
func newMessage(t *testing.T, f *frontDoor, p anthropic.MessageNewParams) (*anthropic.Message, error) {
	t.Helper()
	c := sdkClient(t, f)
	return c.Messages.New(context.Background(), p)
}
