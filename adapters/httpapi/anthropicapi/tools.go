package anthropicapi

import (
	"encoding/json"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// emptySchema is the input schema of a custom tool that gives none.
var emptySchema = json.RawMessage(`{"type":"object","properties":{}}`)

// convertTools translates custom tools into function tools (parameters =
// input_schema; strict kept when it is a boolean). An Anthropic-defined
// tool (web_search, bash, text_editor, code_execution, ...) runs on
// Anthropic's side or follows a schema only Claude knows, so it is
// CodeInvalid with Field "tools".
func convertTools(tools []anthropicwire.Tool) ([]gateway.Tool, error) {
	if len(tools) == 0 {
		return nil, nil
	}
	out := make([]gateway.Tool, 0, len(tools))
	for i := range tools {
		t := &tools[i]
		if !t.IsCustom() {
			return nil, gateway.Invalid("tools", "tools[%d] (%s, type %s) is an Anthropic-defined tool; such tools need an Anthropic upstream", i, t.Name, t.Type)
		}
		schema := t.InputSchema
		if len(schema) == 0 || string(schema) == "null" {
			schema = emptySchema
		}
		fn := gateway.Function{Name: t.Name, Description: t.Description, Parameters: schema}
		var strict bool
		if raw, ok := t.Extra["strict"]; ok && json.Unmarshal(raw, &strict) == nil {
			fn.Strict = &strict
		}
		out = append(out, gateway.Tool{Type: "function", Function: fn})
	}
	return out, nil
}

// convertToolChoice sets out's tool_choice: auto → auto, any → required,
// tool → the named function, none → none; disable_parallel_tool_use →
// parallel_tool_calls false (true when it is false). Both are set only
// with tools, since OpenAI rejects them otherwise. An unknown type, or
// tool without a name, is CodeInvalid with Field "tool_choice".
func convertToolChoice(tc *anthropicwire.ToolChoice, out *gateway.ChatRequest) error {
	if tc == nil {
		return nil
	}
	var choice gateway.ToolChoice
	switch tc.Type {
	case anthropicwire.ToolChoiceAuto:
		choice.Mode = "auto"
	case anthropicwire.ToolChoiceAny:
		choice.Mode = "required"
	case anthropicwire.ToolChoiceNone:
		choice.Mode = "none"
	case anthropicwire.ToolChoiceTool:
		if tc.Name == "" {
			return gateway.Invalid("tool_choice", "tool_choice.name is required when tool_choice.type is tool")
		}
		choice.Mode, choice.Function = "function", tc.Name
	default:
		return gateway.Invalid("tool_choice", "tool_choice.type must be auto, any, tool or none")
	}
	if len(out.Tools) == 0 {
		return nil
	}
	out.ToolChoice = &choice
	if tc.DisableParallelToolUse != nil && tc.Type != anthropicwire.ToolChoiceNone {
		parallel := !*tc.DisableParallelToolUse
		out.ParallelToolCalls = &parallel
	}
	return nil
}
