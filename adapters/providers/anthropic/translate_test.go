package anthropic_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/anthropic"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropictest"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// pngURL is a data: URL of the start of a real PNG file.
var pngURL = "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))

func weatherTool() gateway.Tool {
	return gateway.Tool{Type: "function", Function: gateway.Function{Name: "get_weather", Description: "Weather in a city.",
		Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)}}
}

// TestConversationTranslation sends a whole tool-using conversation to the
// test server, which checks the tool_use/tool_result pairing as the API
// does, and checks what was sent.
func TestConversationTranslation(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	u := mustNew(t, srv.URL, nil)
	req := &gateway.ChatRequest{
		Model: "claude-sonnet-4-5",
		Messages: []gateway.Message{
			{Role: "system", Content: gateway.TextContent("You are terse.")},
			{Role: "user", Content: gateway.PartsContent(
				gateway.ContentPart{Type: "text", Text: "Weather in Paris and Rome? Also this:"},
				gateway.ContentPart{Type: "image_url", ImageURL: &gateway.ImageURL{URL: pngURL}},
				gateway.ContentPart{Type: "image_url", ImageURL: &gateway.ImageURL{URL: "https://example.com/cat.jpg"}})},
			{Role: "developer", Content: gateway.PartsContent(gateway.ContentPart{Type: "text", Text: "Use metric units."})},
			{Role: "assistant", Content: gateway.TextContent("Checking."), ToolCalls: []gateway.ToolCall{
				{ID: "toolu_1", Type: "function", Function: gateway.FunctionCall{Name: "get_weather", Arguments: `{"city": "Paris"}`}},
				{ID: "toolu_2", Type: "function", Function: gateway.FunctionCall{Name: "get_weather", Arguments: `{"city":"Rome"}`}}}},
			{Role: "tool", ToolCallID: "toolu_1", Content: gateway.TextContent("18C")},
			{Role: "tool", ToolCallID: "toolu_2", Content: gateway.PartsContent(gateway.ContentPart{Type: "text", Text: "25C"})},
			{Role: "user", Content: gateway.TextContent("Thanks, and which is warmer?")},
		},
		Tools:             []gateway.Tool{weatherTool(), {Type: "function", Function: gateway.Function{Name: "noop"}}},
		ParallelToolCalls: ptr(false),
	}
	resp, err := u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	is.Equal(resp.Choices[0].Message.Content.Text(), "Tool said: 18C; 25C")

	sent := sentBody(t, srv)
	is.Equal(len(sent.System.Blocks), 2)
	is.Equal(sent.System.Blocks[0].Text, "You are terse.")
	is.Equal(sent.System.Blocks[1].Text, "Use metric units.")
	is.Equal(len(sent.Messages), 3) // user, assistant, user (tool results and the next user text)
	user := sent.Messages[0].Content.Blocks
	is.Equal(user[1].Source.Type, "base64")
	is.Equal(user[1].Source.MediaType, "image/png")
	is.Equal(user[2].Source.Type, "url")
	is.Equal(user[2].Source.URL, "https://example.com/cat.jpg")
	asst := sent.Messages[1]
	is.Equal(asst.Role, "assistant")
	is.Equal(asst.Content.Blocks[0].Text, "Checking.")
	is.Equal(asst.Content.Blocks[1].Type, "tool_use")
	is.Equal(string(asst.Content.Blocks[1].Input), `{"city":"Paris"}`)
	last := sent.Messages[2].Content.Blocks
	is.Equal(len(last), 3)
	is.Equal(last[0].ToolUseID, "toolu_1")
	is.Equal(last[0].Content.Text, "18C")
	is.Equal(last[1].Content.Blocks[0].Text, "25C")
	is.Equal(last[2].Text, "Thanks, and which is warmer?")
	is.Equal(string(sent.Tools[1].InputSchema), `{"type":"object","properties":{}}`)
	is.Equal(sent.Tools[0].Description, "Weather in a city.")
	is.Equal(sent.ToolChoice.Type, "auto")
	is.True(*sent.ToolChoice.DisableParallelToolUse)
}

func TestToRequest(t *testing.T) {
	t.Parallel()
	u := mustNew(t, "", map[string]string{"max_tokens": "1000"})
	user := func(req *gateway.ChatRequest) *gateway.ChatRequest {
		req.Model = "m"
		req.Messages = append([]gateway.Message{{Role: "user", Content: gateway.TextContent("hi")}}, req.Messages...)
		return req
	}
	tests := []struct {
		name  string
		req   *gateway.ChatRequest
		field string // a CodeInvalid error naming it is expected
		check func(is *is.I, r *anthropicwire.Request, json bool)
	}{
		{name: "DefaultMaxTokens", req: user(&gateway.ChatRequest{}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) { is.Equal(*r.MaxTokens, 1000) }},
		{name: "MaxTokens", req: user(&gateway.ChatRequest{MaxTokens: ptr(50)}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) { is.Equal(*r.MaxTokens, 50) }},
		{name: "MaxCompletionTokensWins", req: user(&gateway.ChatRequest{MaxTokens: ptr(50), MaxCompletionTokens: ptr(60)}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) { is.Equal(*r.MaxTokens, 60) }},
		{name: "NOne", req: user(&gateway.ChatRequest{N: ptr(1)}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) { is.Equal(len(r.Messages), 1) }},
		{name: "NTwo", req: user(&gateway.ChatRequest{N: ptr(2)}), field: "n"},
		{name: "ToolChoiceRequired", req: user(&gateway.ChatRequest{Tools: []gateway.Tool{weatherTool()}, ToolChoice: &gateway.ToolChoice{Mode: "required"}}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) { is.Equal(r.ToolChoice.Type, "any") }},
		{name: "ToolChoiceNoneKeepsParallel", req: user(&gateway.ChatRequest{Tools: []gateway.Tool{weatherTool()},
			ToolChoice: &gateway.ToolChoice{Mode: "none"}, ParallelToolCalls: ptr(false)}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) {
				is.Equal(r.ToolChoice.Type, "none")
				is.True(r.ToolChoice.DisableParallelToolUse == nil)
			}},
		{name: "ToolChoiceFunction", req: user(&gateway.ChatRequest{Tools: []gateway.Tool{weatherTool()}, ToolChoice: &gateway.ToolChoice{Mode: "function", Function: "get_weather"}}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) {
				is.Equal(*r.ToolChoice, anthropicwire.ToolChoice{Type: "tool", Name: "get_weather"})
			}},
		{name: "ToolChoiceUnknown", req: user(&gateway.ChatRequest{Tools: []gateway.Tool{weatherTool()}, ToolChoice: &gateway.ToolChoice{Mode: "allowed_tools"}}), field: "tool_choice"},
		{name: "ToolStrict", req: user(&gateway.ChatRequest{Tools: []gateway.Tool{{Type: "function", Function: gateway.Function{Name: "f", Strict: ptr(true)}}}}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) { is.Equal(string(r.Tools[0].Extra["strict"]), "true") }},
		{name: "ToolOtherType", req: user(&gateway.ChatRequest{Tools: []gateway.Tool{{Type: "custom", Function: gateway.Function{Name: "f"}}}}), field: "tools"},
		{name: "BadArguments", req: user(&gateway.ChatRequest{Messages: []gateway.Message{{Role: "assistant", ToolCalls: []gateway.ToolCall{
			{ID: "t", Function: gateway.FunctionCall{Name: "f", Arguments: `[1,2]`}}}}}}), field: "messages"},
		{name: "BrokenArguments", req: user(&gateway.ChatRequest{Messages: []gateway.Message{{Role: "assistant", ToolCalls: []gateway.ToolCall{
			{ID: "t", Function: gateway.FunctionCall{Name: "f", Arguments: `{"a":`}}}}}}), field: "messages"},
		{name: "EmptyArguments", req: user(&gateway.ChatRequest{Messages: []gateway.Message{{Role: "assistant", ToolCalls: []gateway.ToolCall{
			{ID: "t", Function: gateway.FunctionCall{Name: "f"}}}}}}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) {
				is.Equal(string(r.Messages[1].Content.Blocks[0].Input), "{}")
				is.True(r.Messages[1].Content.Blocks[0].Type == "tool_use")
			}},
		{name: "ToolWithoutID", req: user(&gateway.ChatRequest{Messages: []gateway.Message{{Role: "tool", Content: gateway.TextContent("x")}}}), field: "messages"},
		{name: "Audio", req: user(&gateway.ChatRequest{Messages: []gateway.Message{{Role: "user", Content: gateway.PartsContent(
			gateway.ContentPart{Type: "input_audio", InputAudio: &gateway.InputAudio{Data: "AAAA", Format: "wav"}})}}}), field: "messages"},
		{name: "ImageBadURL", req: user(&gateway.ChatRequest{Messages: []gateway.Message{{Role: "user", Content: gateway.PartsContent(
			gateway.ContentPart{Type: "image_url", ImageURL: &gateway.ImageURL{URL: "file:///etc/passwd"}})}}}), field: "messages"},
		{name: "PDFFile", req: user(&gateway.ChatRequest{Messages: []gateway.Message{{Role: "user", Content: gateway.PartsContent(
			gateway.ContentPart{Type: "file", Extra: gateway.Extra{"file": json.RawMessage(`{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0="}`)}})}}}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) {
				d := r.Messages[0].Content.Blocks[1]
				is.Equal(d.Type, "document")
				is.Equal(d.Title, "a.pdf")
				is.Equal(*d.Source, anthropicwire.Source{Type: "base64", MediaType: "application/pdf", Data: "JVBERi0="})
			}},
		{name: "SystemImage", req: user(&gateway.ChatRequest{Messages: []gateway.Message{{Role: "system", Content: gateway.PartsContent(
			gateway.ContentPart{Type: "image_url", ImageURL: &gateway.ImageURL{URL: pngURL}})}}}), field: "messages"},
		{name: "FunctionRole", req: user(&gateway.ChatRequest{Messages: []gateway.Message{{Role: "function", Content: gateway.TextContent("x")}}}), field: "messages"},
		{name: "OnlySystem", req: &gateway.ChatRequest{Model: "m", Messages: []gateway.Message{{Role: "system", Content: gateway.TextContent("x")}}}, field: "messages"},
		{name: "EmptyUser", req: user(&gateway.ChatRequest{Messages: []gateway.Message{{Role: "user", Content: gateway.TextContent("")}}}), field: "messages"},
		{name: "EmptyAssistantDropped", req: user(&gateway.ChatRequest{Messages: []gateway.Message{{Role: "assistant"}, {Role: "user", Content: gateway.TextContent("again")}}}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) {
				is.Equal(len(r.Messages), 1)
				is.Equal(len(r.Messages[0].Content.Blocks), 2)
			}},
		{name: "ReasoningLow", req: user(&gateway.ChatRequest{Extra: gateway.Extra{"reasoning_effort": json.RawMessage(`"low"`)}}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) {
				is.Equal(*r.Thinking, anthropicwire.Thinking{Type: "enabled", BudgetTokens: 1024})
				is.Equal(*r.MaxTokens, 1000+1024)
				is.Equal(len(r.Extra), 0) // reasoning_effort itself is not sent
			}},
		{name: "ReasoningHighCapped", req: user(&gateway.ChatRequest{MaxTokens: ptr(5000), Extra: gateway.Extra{"reasoning_effort": json.RawMessage(`"high"`)}}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) {
				is.Equal(r.Thinking.BudgetTokens, 4999)
				is.Equal(*r.MaxTokens, 5000)
			}},
		{name: "ReasoningNoRoom", req: user(&gateway.ChatRequest{MaxTokens: ptr(800), Extra: gateway.Extra{"reasoning_effort": json.RawMessage(`"medium"`)}}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) { is.True(r.Thinking == nil) }},
		{name: "ReasoningMinimal", req: user(&gateway.ChatRequest{Extra: gateway.Extra{"reasoning_effort": json.RawMessage(`"minimal"`)}}),
			check: func(is *is.I, r *anthropicwire.Request, _ bool) { is.True(r.Thinking == nil) }},
		{name: "ReasoningBad", req: user(&gateway.ChatRequest{Extra: gateway.Extra{"reasoning_effort": json.RawMessage(`"max"`)}}), field: "reasoning_effort"},
		{name: "JSONObject", req: user(&gateway.ChatRequest{ResponseFormat: &gateway.ResponseFormat{Type: "json_object"}}),
			check: func(is *is.I, r *anthropicwire.Request, json bool) {
				is.True(json)
				is.Equal(r.Tools[0].Name, anthropic.JSONToolName)
				is.Equal(string(r.Tools[0].InputSchema), `{"type":"object"}`)
				is.Equal(*r.ToolChoice, anthropicwire.ToolChoice{Type: "tool", Name: anthropic.JSONToolName})
			}},
		{name: "JSONSchemaWithTools", req: user(&gateway.ChatRequest{Tools: []gateway.Tool{weatherTool()}, ResponseFormat: &gateway.ResponseFormat{Type: "json_schema",
			JSONSchema: json.RawMessage(`{"name":"answer","description":"The answer.","schema":{"type":"object","properties":{"a":{"type":"number"}}},"strict":true}`)}}),
			check: func(is *is.I, r *anthropicwire.Request, json bool) {
				is.True(json)
				is.Equal(len(r.Tools), 2)
				is.Equal(string(r.Tools[1].InputSchema), `{"type":"object","properties":{"a":{"type":"number"}}}`)
				is.Equal(r.Tools[1].Description, "Respond with a JSON object (answer): The answer..")
				is.Equal(r.ToolChoice.Type, "any")
			}},
		{name: "JSONSchemaNotObject", req: user(&gateway.ChatRequest{ResponseFormat: &gateway.ResponseFormat{Type: "json_schema",
			JSONSchema: json.RawMessage(`{"name":"x","schema":{"type":"array"}}`)}}), field: "response_format"},
		{name: "JSONToolNameTaken", req: user(&gateway.ChatRequest{Tools: []gateway.Tool{{Type: "function", Function: gateway.Function{Name: anthropic.JSONToolName}}},
			ResponseFormat: &gateway.ResponseFormat{Type: "json_object"}}), field: "tools"},
		{name: "TextFormat", req: user(&gateway.ChatRequest{ResponseFormat: &gateway.ResponseFormat{Type: "text"}}),
			check: func(is *is.I, r *anthropicwire.Request, json bool) { is.True(!json && r.Tools == nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			r, isJSON, err := u.ToRequest(tt.req)
			if tt.field != "" {
				e := asError(t, err)
				is.Equal(e.Code, gateway.CodeInvalid)
				is.Equal(e.Field, tt.field)
				is.True(!e.Delivered)
				return
			}
			is.NoErr(err)
			tt.check(is, r, isJSON)
		})
	}
}
