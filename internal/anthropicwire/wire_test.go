package anthropicwire_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// sameJSON fails unless a and b hold the same JSON value.
func sameJSON(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("invalid JSON %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("JSON differs\n got: %s\nwant: %s", got, want)
	}
}

// roundTrip decodes data into a new T, encodes it again and checks the
// result is the same JSON.
func roundTrip[T any](t *testing.T, data string) *T {
	t.Helper()
	v := new(T)
	if err := json.Unmarshal([]byte(data), v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	sameJSON(t, out, []byte(data))
	return v
}

func TestRequestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		check func(is *is.I, r *anthropicwire.Request)
	}{
		{name: "Minimal",
			body: `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}],"max_tokens":1024}`,
			check: func(is *is.I, r *anthropicwire.Request) {
				is.Equal(*r.MaxTokens, 1024)
				is.Equal(r.Messages[0].Content.Text, "hi")
				is.True(r.Messages[0].Content.Blocks == nil)
				is.True(r.System.IsZero())
			}},
		{name: "Everything",
			body: `{"model":"claude-opus-4-1","max_tokens":0,"system":[{"type":"text","text":"Be terse.","cache_control":{"type":"ephemeral","ttl":"1h"}}],
				"messages":[{"role":"user","content":[{"type":"text","text":"look"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}],
				"metadata":{"user_id":"u-1"},"stop_sequences":["END"],"stream":true,"temperature":0.5,"top_p":0.9,"top_k":40,
				"tools":[{"name":"get_weather","description":"Weather.","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"cache_control":{"type":"ephemeral"},"strict":true},
					{"type":"web_search_20250305","name":"web_search","max_uses":5,"allowed_domains":["example.com"]}],
				"tool_choice":{"type":"tool","name":"get_weather","disable_parallel_tool_use":true},
				"thinking":{"type":"enabled","budget_tokens":2048},"service_tier":"auto",
				"container":"cntr_1","mcp_servers":[{"type":"url","url":"https://mcp.example.com","name":"m"}]}`,
			check: func(is *is.I, r *anthropicwire.Request) {
				is.Equal(*r.MaxTokens, 0)
				is.Equal(r.System.Blocks[0].CacheControl.TTL, "1h")
				is.Equal(r.Metadata.UserID, "u-1")
				is.Equal(*r.TopK, 40)
				is.True(r.Tools[0].IsCustom())
				is.Equal(string(r.Tools[0].Extra["strict"]), "true")
				is.True(!r.Tools[1].IsCustom())
				is.Equal(r.Tools[1].Name, "web_search")
				is.Equal(r.ToolChoice.Name, "get_weather")
				is.True(*r.ToolChoice.DisableParallelToolUse)
				is.Equal(r.Thinking.BudgetTokens, 2048)
				is.Equal(string(r.Extra["container"]), `"cntr_1"`)
				is.Equal(len(r.Extra), 2)
				is.Equal(r.Messages[0].Content.Blocks[1].Source.MediaType, "image/png")
			}},
		{name: "SystemString",
			body: `{"model":"m","messages":[],"system":"You are a pirate.","max_tokens":5}`,
			check: func(is *is.I, r *anthropicwire.Request) {
				is.Equal(r.System.Text, "You are a pirate.")
				is.Equal(r.System.PlainText("\n"), "You are a pirate.")
			}},
		{name: "NoMaxTokens",
			body: `{"model":"m","messages":[{"role":"user","content":[]}]}`,
			check: func(is *is.I, r *anthropicwire.Request) {
				is.True(r.MaxTokens == nil)
				is.True(r.Messages[0].Content.Blocks != nil) // the empty list, not ""
			}},
		{name: "ToolChoiceKinds",
			body:  `{"model":"m","messages":[],"max_tokens":1,"tool_choice":{"type":"none"}}`,
			check: func(is *is.I, r *anthropicwire.Request) { is.Equal(r.ToolChoice.Type, "none") }},
		{name: "ThinkingAdaptive",
			body:  `{"model":"m","messages":[],"max_tokens":1,"thinking":{"type":"adaptive","display":"omitted"}}`,
			check: func(is *is.I, r *anthropicwire.Request) { is.Equal(r.Thinking.Display, "omitted") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.check(is.New(t), roundTrip[anthropicwire.Request](t, tt.body))
		})
	}
}

func TestContentBlockRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		block string
		check func(is *is.I, b *anthropicwire.ContentBlock)
	}{
		{name: "Text", block: `{"type":"text","text":""}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) { is.Equal(b.Type, "text") }},
		{name: "TextCitations", block: `{"type":"text","text":"the grass is green","citations":[{"type":"char_location","cited_text":"green","document_index":0,"document_title":"Doc","start_char_index":0,"end_char_index":20}]}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) { is.True(len(b.Citations) > 10) }},
		{name: "TextNullCitations", block: `{"type":"text","text":"x","citations":null}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) { is.Equal(string(b.Citations), "null") }},
		{name: "ImageBase64", block: `{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"},"cache_control":{"type":"ephemeral"}}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) {
				is.Equal(b.Source.Data, "/9j/4AAQ")
				is.Equal(b.CacheControl.Type, "ephemeral")
			}},
		{name: "ImageURL", block: `{"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) { is.Equal(b.Source.URL, "https://example.com/a.png") }},
		{name: "DocumentPDF", block: `{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="},"title":"T","context":"C","citations":{"enabled":true}}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) {
				is.Equal(b.Title, "T")
				is.Equal(string(b.Citations), `{"enabled":true}`)
			}},
		{name: "DocumentContentSource", block: `{"type":"document","source":{"type":"content","content":[{"type":"text","text":"a"}]}}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) { is.Equal(b.Source.Type, "content") }},
		{name: "ToolUse", block: `{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris"}}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) { is.Equal(string(b.Input), `{"city":"Paris"}`) }},
		{name: "ToolUseCaller", block: `{"type":"tool_use","id":"toolu_01","name":"f","input":{},"caller":{"type":"direct"}}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) {
				is.Equal(string(b.Extra["caller"]), `{"type":"direct"}`)
			}},
		{name: "ToolResultString", block: `{"type":"tool_result","tool_use_id":"toolu_01","content":"15 degrees"}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) { is.Equal(b.Content.Text, "15 degrees") }},
		{name: "ToolResultBlocksError", block: `{"type":"tool_result","tool_use_id":"toolu_01","content":[{"type":"text","text":"boom"},{"type":"image","source":{"type":"base64","media_type":"image/gif","data":"R0lG"}}],"is_error":true}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) {
				is.True(b.IsError)
				is.Equal(b.Content.PlainText(""), "boom")
			}},
		{name: "ToolResultNoContent", block: `{"type":"tool_result","tool_use_id":"toolu_01"}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) { is.True(b.Content.IsZero()) }},
		{name: "Thinking", block: `{"type":"thinking","thinking":"","signature":""}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) { is.Equal(b.Type, "thinking") }},
		{name: "RedactedThinking", block: `{"type":"redacted_thinking","data":"EmwKAhgB"}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) { is.Equal(b.Data, "EmwKAhgB") }},
		{name: "ServerToolUse", block: `{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"x"}}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) {
				is.Equal(b.Type, "server_tool_use")
				is.True(b.Raw != nil)
				is.Equal(b.ID, "") // kept raw, not decoded
			}},
		{name: "WebSearchResultError", block: `{"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":{"type":"web_search_tool_result_error","error_code":"max_uses_exceeded"}}`,
			check: func(is *is.I, b *anthropicwire.ContentBlock) { is.True(b.Raw != nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.check(is.New(t), roundTrip[anthropicwire.ContentBlock](t, tt.block))
		})
	}
}

func TestContentBlockExactShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		block anthropicwire.ContentBlock
		want  string
	}{
		{"EmptyText", anthropicwire.ContentBlock{Type: "text"}, `{"type":"text","text":""}`},
		{"ToolUseNoInput", anthropicwire.ContentBlock{Type: "tool_use", ID: "t", Name: "n"}, `{"type":"tool_use","id":"t","name":"n","input":{}}`},
		{"EmptyThinking", anthropicwire.ContentBlock{Type: "thinking"}, `{"type":"thinking","thinking":"","signature":""}`},
		{"ToolResultEmptyList", anthropicwire.ContentBlock{Type: "tool_result", ToolUseID: "t", Content: anthropicwire.BlocksContent()},
			`{"type":"tool_result","tool_use_id":"t","content":[]}`},
		{"UnknownWithoutRaw", anthropicwire.ContentBlock{Type: "container_upload", Extra: anthropicwire.Extra{"file_id": json.RawMessage(`"f"`)}},
			`{"type":"container_upload","file_id":"f"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			got, err := json.Marshal(tt.block)
			is.NoErr(err)
			is.Equal(string(got), tt.want)
		})
	}
}

func TestContentHelpers(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	is.Equal(len(anthropicwire.TextContent("").AsBlocks()), 0)
	bl := anthropicwire.TextContent("hi").AsBlocks()
	is.Equal(len(bl), 1)
	is.Equal(bl[0].Text, "hi")
	c := anthropicwire.BlocksContent(
		anthropicwire.ContentBlock{Type: "text", Text: "a"},
		anthropicwire.ContentBlock{Type: "image"},
		anthropicwire.ContentBlock{Type: "text", Text: "b"})
	is.Equal(c.PlainText("\n"), "a\nb")
	is.True(!c.IsZero())
	var null anthropicwire.Content
	is.NoErr(json.Unmarshal([]byte("null"), &null))
	is.True(null.IsZero())
	var bad anthropicwire.Content
	is.True(json.Unmarshal([]byte("12"), &bad) != nil) // neither a string nor a list
}

func TestToolShape(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	got, err := json.Marshal(anthropicwire.Tool{Name: "f"})
	is.NoErr(err)
	is.Equal(string(got), `{"name":"f","input_schema":{"type":"object","properties":{}}}`)
	got, err = json.Marshal(anthropicwire.Tool{Type: "custom", Name: "f", InputSchema: json.RawMessage(`{"type":"object"}`)})
	is.NoErr(err)
	is.Equal(string(got), `{"type":"custom","name":"f","input_schema":{"type":"object"}}`)
}
