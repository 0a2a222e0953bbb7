package gemini_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/gemini"
	"github.com/tollgate-ai/tollgate/gateway"
)

// chatJSON decodes a canonical request as the HTTP API does.
func chatJSON(tb testing.TB, s string) *gateway.ChatRequest {
	tb.Helper()
	var r gateway.ChatRequest
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		tb.Fatal(err)
	}
	return &r
}

func TestRequestTranslation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string // a canonical request
		out  string // the GenerateContentRequest
	}{
		{name: "SystemAndDeveloper",
			in:  `{"model":"m","messages":[{"role":"system","content":"A"},{"role":"developer","content":[{"type":"text","text":"B"}]},{"role":"user","content":"hi"}]}`,
			out: `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"systemInstruction":{"parts":[{"text":"A"},{"text":"B"}]}}`},
		{name: "Conversation",
			in:  `{"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]}`,
			out: `{"contents":[{"role":"user","parts":[{"text":"a"}]},{"role":"model","parts":[{"text":"b"}]},{"role":"user","parts":[{"text":"c"}]}]}`},
		{name: "ToolRoundTrip",
			in: `{"model":"m","messages":[{"role":"user","content":"w"},
				{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{ \"x\": 1 }"}},{"id":"c2","type":"function","function":{"name":"g","arguments":""}}]},
				{"role":"tool","tool_call_id":"c1","content":"{\"ok\":true}"},{"role":"tool","tool_call_id":"c2","content":"[1,2]"},{"role":"user","content":"thanks"}]}`,
			out: `{"contents":[{"role":"user","parts":[{"text":"w"}]},` +
				`{"role":"model","parts":[{"functionCall":{"id":"c1","name":"f","args":{"x":1}}},{"functionCall":{"id":"c2","name":"g","args":{}}}]},` +
				`{"role":"user","parts":[{"functionResponse":{"id":"c1","name":"f","response":{"ok":true}}},{"functionResponse":{"id":"c2","name":"g","response":{"content":"[1,2]"}}}]},` +
				`{"role":"user","parts":[{"text":"thanks"}]}]}`},
		{name: "ToolNameFallback",
			in:  `{"model":"m","messages":[{"role":"user","content":"w"},{"role":"tool","name":"lookup","tool_call_id":"x","content":"r"}]}`,
			out: `{"contents":[{"role":"user","parts":[{"text":"w"}]},{"role":"user","parts":[{"functionResponse":{"id":"x","name":"lookup","response":{"content":"r"}}}]}]}`},
		{name: "Media",
			in: `{"model":"m","messages":[{"role":"user","content":[
				{"type":"image_url","image_url":{"url":"gs://bucket/a.PNG"}},
				{"type":"image_url","image_url":{"url":"https://x/y"}},
				{"type":"image_url","image_url":{"url":"DATA:image/JPEG;BASE64,/9j/"}},
				{"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0=","filename":"a.pdf"}},
				{"type":"input_audio","input_audio":{"data":"SUQz","format":"mp3"}}]}]}`,
			out: `{"contents":[{"role":"user","parts":[{"fileData":{"mimeType":"image/png","fileUri":"gs://bucket/a.PNG"}},` +
				`{"fileData":{"mimeType":"image/jpeg","fileUri":"https://x/y"}},{"inlineData":{"mimeType":"image/jpeg","data":"/9j/"}},` +
				`{"inlineData":{"mimeType":"application/pdf","data":"JVBERi0="}},{"inlineData":{"mimeType":"audio/mp3","data":"SUQz"}}]}]}`},
		{name: "ToolsAndChoice",
			in: `{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"required","parallel_tool_calls":false,
				"tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object","properties":{"a":{"type":["string","null"]}}},"strict":true}}]}`,
			out: `{"contents":[{"role":"user","parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f","description":"d",` +
				`"parametersJsonSchema":{"type":"object","properties":{"a":{"type":["string","null"]}}}}]}],"toolConfig":{"functionCallingConfig":{"mode":"ANY"}}}`},
		{name: "ChoiceWithoutTools",
			in:  `{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"auto"}`,
			out: `{"contents":[{"role":"user","parts":[{"text":"x"}]}]}`},
		{name: "MaxTokens",
			in:  `{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":10,"stop":"\n","response_format":{"type":"text"}}`,
			out: `{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"stopSequences":["\n"],"maxOutputTokens":10}}`},
		{name: "ThinkingLevel",
			in:  `{"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"high","google":{"thinking_config":{"thinking_level":"low"}}}`,
			out: `{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"thinkingLevel":"LOW"}}}`},
		{name: "NoThinking",
			in:  `{"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"none"}`,
			out: `{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"thinkingBudget":0}}}`},
		{name: "EmptyAssistantSkipped",
			in:  `{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","content":""},{"role":"user","content":"y"}]}`,
			out: `{"contents":[{"role":"user","parts":[{"text":"x"}]},{"role":"user","parts":[{"text":"y"}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			got, err := gemini.RequestJSON(chatJSON(t, tt.in))
			is.NoErr(err)
			is.Equal(string(got), tt.out)
		})
	}
}

func TestRequestTranslationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, field, message string
	}{
		{"Role", `{"model":"m","messages":[{"role":"critic","content":"x"}]}`, "messages", `messages[0].role "critic" is not supported by Gemini`},
		{"EmptyUser", `{"model":"m","messages":[{"role":"user","content":""}]}`, "messages", "messages[0].content must not be empty"},
		{"PartType", `{"model":"m","messages":[{"role":"user","content":[{"type":"video_url","video_url":"x"}]}]}`, "messages", `messages[0].content[0].type "video_url" is not supported by Gemini`},
		{"ImageScheme", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x"}}]}]}`, "messages", "messages[0].content[0].image_url.url must be an http(s), gs:// or data: URL"},
		{"DataURL", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,raw"}}]}]}`, "messages", "messages[0].content[0].image_url.url must be a base64 data: URL with a media type"},
		{"FileID", `{"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-1"}}]}]}`, "messages", "messages[0].content[0].file.file_data is required (a data: URL); file ids are not supported by Gemini"},
		{"Arguments", `{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"a","function":{"name":"f","arguments":"{oops"}}]}]}`, "messages", "messages[1].tool_calls[0].function.arguments must be a JSON object"},
		{"ToolType", `{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search","function":{"name":"f"}}]}`, "tools", `tools[0].type "web_search" is not supported by Gemini`},
		{"Parameters", `{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":"x"}}]}`, "tools", "tools[0].function.parameters must be a JSON Schema object"},
		{"Choice", `{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"allowed_tools"}}`, "tool_choice", `tool_choice "allowed_tools" is not supported by Gemini`},
		{"Schema", `{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"x"}}}`, "response_format", "response_format.json_schema.schema must be a JSON Schema object"},
		{"Format", `{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"xml"}}`, "response_format", `response_format.type "xml" is not supported by Gemini`},
		{"Google", `{"model":"m","messages":[{"role":"user","content":"x"}],"google":[1]}`, "google", `google must be an object such as {"thinking_config": {...}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			_, err := gemini.RequestJSON(chatJSON(t, tt.in))
			e := asError(t, err)
			is.Equal(e.Code, gateway.CodeInvalid)
			is.Equal(e.Field, tt.field)
			is.Equal(e.Message, tt.message)
		})
	}
}

func TestResponseTranslation(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	resp, err := gemini.ResponseFromJSON([]byte(`{
		"candidates": [
			{"content": {"parts": [{"text": "plan", "thought": true}, {"text": "Hel"}, {"text": "lo"}], "role": "model"}, "finishReason": "STOP", "index": 0},
			{"content": {"parts": [{"functionCall": {"id": "abc", "name": "f", "args": {"b": [1, 2]}}}], "role": "model"}, "finishReason": "STOP", "index": 1},
			{"content": {"parts": [{"text": "cut"}]}, "finishReason": "MAX_TOKENS", "index": 2},
			{"finishReason": "SPII", "index": 3},
			{"content": {"parts": [{"text": "odd"}]}, "finishReason": "LANGUAGE", "index": 4}
		],
		"usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
		"modelVersion": "models/gemini-2.5-flash-001",
		"responseId": "resp-1"
	}`), "asked")
	is.NoErr(err)
	is.Equal(resp.ID, "resp-1")
	is.Equal(resp.Model, "gemini-2.5-flash-001")
	is.Equal(len(resp.Choices), 5)
	c := resp.Choices
	is.Equal(c[0].Message.Content.Text(), "Hello")
	is.Equal(string(c[0].Message.Extra["reasoning_content"]), `"plan"`)
	is.Equal(c[0].FinishReason, "stop")
	is.True(c[1].Message.Content.IsNull())
	is.Equal(c[1].Message.ToolCalls[0].ID, "abc")
	is.Equal(c[1].Message.ToolCalls[0].Function.Arguments, `{"b":[1,2]}`)
	is.Equal(c[1].FinishReason, "tool_calls")
	is.Equal(c[2].FinishReason, "length")
	is.Equal(c[3].FinishReason, "content_filter")
	is.Equal(c[3].Message.Content.Text(), "")
	is.True(!c[3].Message.Content.IsNull())
	is.Equal(c[4].FinishReason, "stop")
	is.Equal(c[4].Index, 4)
	is.Equal(*resp.Usage, gateway.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15})

	resp, err = gemini.ResponseFromJSON([]byte(`{"promptFeedback": {"blockReason": "BLOCKLIST"}}`), "asked")
	is.NoErr(err)
	is.True(strings.HasPrefix(resp.ID, "gemini-")) // generated
	is.Equal(resp.Model, "asked")
	is.Equal(len(resp.Choices), 1)
	is.Equal(resp.Choices[0].FinishReason, "content_filter")
	is.True(resp.Usage == nil)
}
