package gateway_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

func TestChatRequestJSON(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	in := `{"model":"gpt-4o","messages":[` +
		`{"role":"system","content":"be brief"},` +
		`{"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA==","detail":"low"}},{"type":"future_part","blob":1}]},` +
		`{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"look","arguments":"{}"}}],"audio":{"id":"a1"}},` +
		`{"role":"tool","tool_call_id":"call_1","content":"a cat"}],` +
		`"tools":[{"type":"function","function":{"name":"look","parameters":{"type":"object"}}}],` +
		`"tool_choice":{"type":"function","function":{"name":"look"}},` +
		`"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{}}},` +
		`"stream":true,"stream_options":{"include_usage":true},"stop":"END",` +
		`"reasoning_effort":"low","metadata":{"team":"a"}}`
	var req gateway.ChatRequest
	is.NoErr(json.Unmarshal([]byte(in), &req))
	is.NoErr(req.Validate())
	is.Equal(req.Messages[1].Content.Text(), "what is this?")
	is.Equal(req.Messages[1].Content.Parts[1].ImageURL.Detail, "low")
	is.True(req.Messages[2].Content.IsNull())
	is.Equal(req.Messages[2].ToolCalls[0].Function.Name, "look")
	is.Equal(req.ToolChoice.Mode, "function")
	is.Equal(req.ToolChoice.Function, "look")
	is.Equal([]string(req.Stop), []string{"END"})
	is.True(req.WantsUsageInStream())
	is.Equal(string(req.Extra["reasoning_effort"]), `"low"`)

	out, err := json.Marshal(req)
	is.NoErr(err)
	var a, b map[string]any
	is.NoErr(json.Unmarshal([]byte(in), &a))
	is.NoErr(json.Unmarshal(out, &b))
	a["stop"] = []any{"END"} // stop always encodes as a list
	is.Equal(mustJSON(t, a), mustJSON(t, b))
}

func TestContentForms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, text string }{
		{`null`, ""},
		{`""`, ""},
		{`"hi"`, "hi"},
		{`[{"type":"text","text":"a"},{"type":"text","text":"b"}]`, "ab"},
		{`[]`, ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			is := is.New(t)
			var c gateway.Content
			is.NoErr(json.Unmarshal([]byte(tc.in), &c))
			is.Equal(c.Text(), tc.text)
			out, err := json.Marshal(c)
			is.NoErr(err)
			is.Equal(string(out), tc.in) // every form survives as it came
		})
	}
}

func TestToolChoiceForms(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	var c gateway.ToolChoice
	is.NoErr(json.Unmarshal([]byte(`"required"`), &c))
	is.Equal(c.Mode, "required")
	out, _ := json.Marshal(gateway.ToolChoice{Mode: "function", Function: "f"})
	is.Equal(string(out), `{"function":{"name":"f"},"type":"function"}`)
}

func TestPricesCost(t *testing.T) {
	t.Parallel()
	p := gateway.Prices{Input: 2_500_000, CachedInput: 1_250_000, Output: 10_000_000}
	for _, tc := range []struct {
		name string
		u    gateway.Usage
		want gateway.Micros
	}{
		{"Zero", gateway.Usage{}, 0},
		{"RoundsUpToAMicro", gateway.Usage{PromptTokens: 1}, 3},
		{"CachedAtItsPrice", gateway.Usage{PromptTokens: 1000, PromptTokensDetails: &gateway.PromptTokensDetails{CachedTokens: 400}, CompletionTokens: 100}, 1500 + 500 + 1000},
		{"Large", gateway.Usage{PromptTokens: 2_000_000, CompletionTokens: 1_000_000}, 15_000_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is.New(t).Equal(p.Cost(tc.u), tc.want)
		})
	}
}

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	c := gateway.Credential{Secret: "sk-very-secret-value"}
	printed := fmt.Sprintf("%v %+v %#v %s %q %x", c, c, c, c.Secret, c.Secret, c.Secret)
	is.True(!strings.Contains(printed, "very-secret"))
	is.True(!strings.Contains(printed, "736b2d")) // nor in hex
	is.Equal(c.Secret.Reveal(), "sk-very-secret-value")
	is.Equal(c.Secret.Hint(), "sk-...alue")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
