package anthropicwire_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// A stream as the API sends it (compact JSON, one event per line).
var apiStream = []string{
	`{"type":"message_start","message":{"id":"msg_01K2","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":849,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":10,"service_tier":"standard"}}}`,
	`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
	`{"type":"ping"}`,
	`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`,
	`{"type":"content_block_stop","index":0}`,
	`{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01K","name":"json","input":{}}}`,
	`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}`,
	`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\": 1}"}}`,
	`{"type":"content_block_stop","index":1}`,
	`{"type":"content_block_start","index":2,"content_block":{"type":"thinking","thinking":"","signature":""}}`,
	`{"type":"content_block_delta","index":2,"delta":{"type":"thinking_delta","thinking":"Let me think"}}`,
	`{"type":"content_block_delta","index":2,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM"}}`,
	`{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{"type":"char_location","cited_text":"x","document_index":0,"document_title":null,"start_char_index":0,"end_char_index":1}}}`,
	`{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":849,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":47}}`,
	`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null,"stop_details":null},"usage":{"output_tokens":15}}`,
	`{"type":"message_stop"}`,
	`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`,
	`{"type":"error","error":{"type":"api_error","message":"Internal server error"},"request_id":"req_011"}`,
}

func TestEventsRoundTripExactly(t *testing.T) {
	t.Parallel()
	for _, data := range apiStream {
		var ev anthropicwire.Event
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatalf("decode %s: %v", data, err)
		}
		out, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		// Key order differs only inside message (model first in the API's
		// streams, after role in its JSON responses): compare values.
		sameJSON(t, out, []byte(data))
		if ev.Type != anthropicwire.EventMessageStart && string(out) != data {
			t.Errorf("not byte-exact\n got: %s\nwant: %s", out, data)
		}
	}
}

func TestEventDecode(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	var evs []anthropicwire.Event
	for _, data := range apiStream {
		var ev anthropicwire.Event
		is.NoErr(json.Unmarshal([]byte(data), &ev))
		evs = append(evs, ev)
	}
	is.Equal(evs[0].Message.Usage.InputTokens, 849)
	is.Equal(evs[0].Message.StopReason, anthropicwire.StopReason(""))
	is.Equal(evs[3].Delta.Text, "Hello")
	is.Equal(evs[5].Index, 1)
	is.Equal(evs[5].ContentBlock.Name, "json")
	is.Equal(evs[7].Delta.PartialJSON, `{"a": 1}`)
	is.Equal(evs[11].Delta.Signature, "EqQBCgIYAhIM")
	is.Equal(evs[13].Delta.StopReason, anthropicwire.StopToolUse)
	is.Equal(*evs[13].Usage.InputTokens, 849)
	is.True(evs[14].Usage.InputTokens == nil)
	is.Equal(evs[16].Error.Type, "overloaded_error")
	is.Equal(evs[17].RequestID, "req_011")

	u := evs[0].Message.Usage
	u.Update(evs[14].Usage)
	is.Equal(u.OutputTokens, 15)
	is.Equal(u.InputTokens, 849) // kept: the delta does not say
	cache := 7
	u.Update(&anthropicwire.DeltaUsage{OutputTokens: 20, CacheReadInputTokens: &cache})
	is.Equal(u.CacheReadInputTokens, 7)
	u.Update(nil)
	is.Equal(u.OutputTokens, 20)
}

func TestEventWriterShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ev   anthropicwire.Event
		want string
	}{
		{"MessageDeltaDefaults", anthropicwire.Event{Type: "message_delta"},
			`{"type":"message_delta","delta":{"stop_reason":null,"stop_sequence":null},"usage":{"output_tokens":0}}`},
		{"StopSequence", anthropicwire.Event{Type: "message_delta",
			Delta: &anthropicwire.Delta{StopReason: anthropicwire.StopSequence, StopSequence: "END"}, Usage: &anthropicwire.DeltaUsage{OutputTokens: 3}},
			`{"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"END"},"usage":{"output_tokens":3}}`},
		{"BlockStopIndexZero", anthropicwire.Event{Type: "content_block_stop"}, `{"type":"content_block_stop","index":0}`},
		{"Ping", anthropicwire.Event{Type: "ping", Index: 4}, `{"type":"ping"}`},
		{"MessageStartEmpty", anthropicwire.Event{Type: "message_start", Message: &anthropicwire.Response{ID: "msg_1", Type: "message", Role: "assistant", Model: "m"}},
			`{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			got, err := json.Marshal(tt.ev)
			is.NoErr(err)
			is.Equal(string(got), tt.want)
		})
	}
}

func TestAppendSSE(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	b, err := anthropicwire.AppendSSE([]byte("x"), &anthropicwire.Event{Type: "content_block_delta", Index: 2,
		Delta: &anthropicwire.Delta{Type: "text_delta", Text: "a\nb"}})
	is.NoErr(err)
	is.Equal(string(b), "xevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\\nb\"}}\n\n")
}

// TestResponseReadBySDK checks that what this package writes is what
// anthropic-sdk-go reads.
func TestResponseReadBySDK(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	resp := anthropicwire.Response{
		ID: "msg_01", Type: "message", Role: "assistant", Model: "claude-sonnet-4-5",
		Content: []anthropicwire.ContentBlock{
			{Type: "thinking", Thinking: "hmm", Signature: "sig"},
			{Type: "text", Text: "Hi"},
			{Type: "tool_use", ID: "toolu_1", Name: "f", Input: json.RawMessage(`{"x":1}`)},
		},
		StopReason: anthropicwire.StopToolUse,
		Usage:      anthropicwire.Usage{InputTokens: 10, OutputTokens: 5, CacheReadInputTokens: 3, CacheCreationInputTokens: 2, ServiceTier: "standard"},
		Extra:      anthropicwire.Extra{"container": json.RawMessage("null")},
	}
	data, err := json.Marshal(resp)
	is.NoErr(err)
	var msg anthropic.Message
	is.NoErr(json.Unmarshal(data, &msg))
	is.Equal(msg.ID, "msg_01")
	is.Equal(msg.StopReason, anthropic.StopReasonToolUse)
	is.Equal(msg.Content[0].Thinking, "hmm")
	is.Equal(msg.Content[1].Text, "Hi")
	is.Equal(string(msg.Content[2].Input), `{"x":1}`)
	is.Equal(msg.Usage.CacheReadInputTokens, int64(3))
	is.Equal(msg.Usage.CacheCreationInputTokens, int64(2))
	is.Equal(string(msg.Usage.ServiceTier), "standard")

	back := roundTrip[anthropicwire.Response](t, string(data))
	is.Equal(back.Content[2].Name, "f")
	is.Equal(string(back.Extra["container"]), "null")
}

// TestRequestFromSDK decodes what anthropic-sdk-go sends and encodes it
// back unchanged.
func TestRequestFromSDK(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	params := anthropic.MessageNewParams{
		Model:     anthropic.ModelClaudeSonnet4_5,
		MaxTokens: 512,
		System:    []anthropic.TextBlockParam{{Text: "sys", CacheControl: anthropic.NewCacheControlEphemeralParam()}},
		Messages: []anthropic.MessageParam{
			anthropic.NewUserMessage(anthropic.NewTextBlock("hi"), anthropic.NewImageBlockBase64("image/png", "iVBORw0KGgo=")),
			anthropic.NewAssistantMessage(anthropic.NewToolUseBlock("toolu_1", map[string]any{"q": "x"}, "search")),
			anthropic.NewUserMessage(anthropic.NewToolResultBlock("toolu_1", "found", true)),
		},
		Tools: []anthropic.ToolUnionParam{
			anthropic.ToolUnionParamOfTool(anthropic.ToolInputSchemaParam{Properties: map[string]any{"q": map[string]any{"type": "string"}}}, "search"),
			{OfWebSearchTool20250305: &anthropic.WebSearchTool20250305Param{MaxUses: anthropic.Int(2)}},
		},
		ToolChoice:    anthropic.ToolChoiceUnionParam{OfAny: &anthropic.ToolChoiceAnyParam{DisableParallelToolUse: anthropic.Bool(true)}},
		Thinking:      anthropic.ThinkingConfigParamOfEnabled(1024),
		Metadata:      anthropic.MetadataParam{UserID: anthropic.String("u")},
		StopSequences: []string{"##"},
		Temperature:   anthropic.Float(0.2),
	}
	data, err := json.Marshal(params)
	is.NoErr(err)
	r := roundTrip[anthropicwire.Request](t, string(data))
	is.Equal(*r.MaxTokens, 512)
	is.Equal(r.System.Blocks[0].Text, "sys")
	is.Equal(r.Messages[0].Content.Blocks[1].Source.Data, "iVBORw0KGgo=")
	is.Equal(r.Messages[1].Content.Blocks[0].Name, "search")
	is.True(r.Messages[2].Content.Blocks[0].IsError)
	is.Equal(r.Tools[1].Type, "web_search_20250305")
	is.Equal(r.ToolChoice.Type, "any")
	is.Equal(r.Thinking.BudgetTokens, 1024)
	is.Equal(r.Metadata.UserID, "u")
}

func TestErrorTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		typ    string
		back   int
	}{
		{400, "invalid_request_error", 400},
		{401, "authentication_error", 401},
		{402, "billing_error", 402},
		{403, "permission_error", 403},
		{404, "not_found_error", 404},
		{413, "request_too_large", 413},
		{429, "rate_limit_error", 429},
		{500, "api_error", 500},
		{502, "api_error", 500},
		{504, "timeout_error", 504},
		{529, "overloaded_error", 529},
		{422, "invalid_request_error", 400},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			is.Equal(anthropicwire.ErrorType(tt.status), tt.typ)
			is.Equal(anthropicwire.Status(tt.typ), tt.back)
		})
	}
	is := is.New(t)
	is.Equal(anthropicwire.Status("something_new"), 500)
	body, err := json.Marshal(anthropicwire.NewError(429, "Number of requests has exceeded your rate limit."))
	is.NoErr(err)
	is.Equal(string(body), `{"type":"error","error":{"type":"rate_limit_error","message":"Number of requests has exceeded your rate limit."}}`)
	roundTrip[anthropicwire.ErrorResponse](t, `{"type":"error","error":{"type":"not_found_error","message":"model: x"},"request_id":"req_01"}`)
}

func TestModelListRoundTrip(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	l := roundTrip[anthropicwire.ModelList](t, `{"data":[{"type":"model","id":"claude-sonnet-4-5-20250929","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z","max_tokens":64000}],"has_more":true,"first_id":"claude-sonnet-4-5-20250929","last_id":"claude-sonnet-4-5-20250929"}`)
	is.True(l.HasMore)
	is.Equal(l.Data[0].DisplayName, "Claude Sonnet 4.5")
	is.Equal(string(l.Data[0].Extra["max_tokens"]), "64000")
	empty := roundTrip[anthropicwire.ModelList](t, `{"data":[],"has_more":false,"first_id":null,"last_id":null}`)
	is.Equal(string(empty.LastID), "")
}
