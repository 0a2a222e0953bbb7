package anthropic

import (
	"encoding/json"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// emptySchema is the input schema of a function without parameters.
var emptySchema = json.RawMessage(`{"type":"object","properties":{}}`)

// setTools translates tools, tool_choice and parallel_tool_calls.
func setTools(out *anthropicwire.Request, req *gateway.ChatRequest) error {
	for i, t := range req.Tools {
		if t.Type != "" && t.Type != "function" {
			return gateway.Invalid("tools", "tools[%d].type %q is not supported by Anthropic", i, t.Type)
		}
		schema := t.Function.Parameters
		if len(schema) == 0 || string(schema) == "null" {
			schema = emptySchema
		}
		tool := anthropicwire.Tool{Name: t.Function.Name, Description: t.Function.Description, InputSchema: schema}
		if t.Function.Strict != nil {
			strict, _ := json.Marshal(*t.Function.Strict)
			tool.Extra = anthropicwire.Extra{"strict": strict}
		}
		out.Tools = append(out.Tools, tool)
	}
	if tc := req.ToolChoice; tc != nil {
		switch tc.Mode {
		case "auto":
			out.ToolChoice = &anthropicwire.ToolChoice{Type: anthropicwire.ToolChoiceAuto}
		case "required":
			out.ToolChoice = &anthropicwire.ToolChoice{Type: anthropicwire.ToolChoiceAny}
		case "none":
			out.ToolChoice = &anthropicwire.ToolChoice{Type: anthropicwire.ToolChoiceNone}
		case "function":
			if tc.Function == "" {
				return gateway.Invalid("tool_choice", "tool_choice.function.name is required")
			}
			out.ToolChoice = &anthropicwire.ToolChoice{Type: anthropicwire.ToolChoiceTool, Name: tc.Function}
		default:
			return gateway.Invalid("tool_choice", "tool_choice %q is not supported by Anthropic", tc.Mode)
		}
	}
	if p := req.ParallelToolCalls; p != nil && !*p && len(out.Tools) > 0 {
		if out.ToolChoice == nil {
			out.ToolChoice = &anthropicwire.ToolChoice{Type: anthropicwire.ToolChoiceAuto}
		}
		if out.ToolChoice.Type != anthropicwire.ToolChoiceNone {
			disable := true
			out.ToolChoice.DisableParallelToolUse = &disable
		}
	}
	return nil
}

// jsonTool is the tool a JSON response format is mapped to. Its tool_use
// input is the answer: it becomes the message content, not a tool call.
type jsonTool struct{ name string }

// jsonToolName names the tool of a JSON response format.
const jsonToolName = "json_response"

// responseFormat maps response_format json_object and json_schema, which
// Anthropic's Messages API lacks, to a forced tool: a tool named
// "json_response" whose input_schema is the schema (for json_object, any
// object), with tool_choice forcing it. The model's input to that tool is
// returned as the message's content (JSON text) and the finish reason is
// "stop". With other tools as well, tool_choice becomes any (unless it
// names a function), so the model either calls a tool or answers in JSON.
// A schema whose root is not an object is CodeInvalid, as tool inputs are
// objects; so is a tool of the same name.
func responseFormat(out *anthropicwire.Request, rf *gateway.ResponseFormat) (*jsonTool, error) {
	if rf == nil || rf.Type == "" || rf.Type == "text" {
		return nil, nil
	}
	tool := anthropicwire.Tool{Name: jsonToolName, Description: "Respond with a JSON object.",
		InputSchema: json.RawMessage(`{"type":"object"}`)}
	switch rf.Type {
	case "json_object":
	case "json_schema":
		var js struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Schema      json.RawMessage `json:"schema"`
		}
		if err := json.Unmarshal(rf.JSONSchema, &js); err != nil {
			return nil, gateway.Invalid("response_format", "response_format.json_schema must be an object")
		}
		if len(js.Schema) > 0 && string(js.Schema) != "null" {
			var root struct {
				Type any `json:"type"`
			}
			if json.Unmarshal(js.Schema, &root) != nil || root.Type != "object" {
				return nil, gateway.Invalid("response_format", "response_format.json_schema.schema must have type object for Anthropic")
			}
			tool.InputSchema = js.Schema
		}
		desc := "Respond with a JSON object"
		if js.Name != "" {
			desc += " (" + js.Name + ")"
		}
		if js.Description != "" {
			desc += ": " + strings.TrimSpace(js.Description)
		}
		tool.Description = desc + "."
	default:
		return nil, gateway.Invalid("response_format", "response_format type %q is not supported by Anthropic", rf.Type)
	}
	for _, t := range out.Tools {
		if t.Name == jsonToolName {
			return nil, gateway.Invalid("tools", "a tool may not be called %q with a JSON response_format", jsonToolName)
		}
	}
	others := len(out.Tools) > 0
	out.Tools = append(out.Tools, tool)
	switch tc := out.ToolChoice; {
	case !others:
		out.ToolChoice = &anthropicwire.ToolChoice{Type: anthropicwire.ToolChoiceTool, Name: jsonToolName}
	case tc == nil || tc.Type == anthropicwire.ToolChoiceAuto || tc.Type == anthropicwire.ToolChoiceNone:
		out.ToolChoice = &anthropicwire.ToolChoice{Type: anthropicwire.ToolChoiceAny}
		if tc != nil {
			out.ToolChoice.DisableParallelToolUse = tc.DisableParallelToolUse
		}
	}
	return &jsonTool{name: jsonToolName}, nil
}

// Thinking budgets for reasoning_effort: low 1024 (Anthropic's minimum),
// medium 8192, high 24576 tokens. "minimal" and "none" leave thinking
// off.
var thinkingBudgets = map[string]int{"low": 1024, "medium": 8192, "high": 24576}

// thinking maps reasoning_effort (an Extra field, as OpenAI's reasoning
// models take it) to extended thinking with the effort's budget. Thinking
// tokens count against max_tokens: a request without max_tokens gets the
// budget on top of the default, while one whose max_tokens is not above
// the budget gets a budget of max_tokens-1, or no thinking if that is
// below Anthropic's minimum of 1024. Another value is CodeInvalid.
func thinking(out *anthropicwire.Request, extra gateway.Extra, maxTokens *int, explicit bool) error {
	raw, ok := extra["reasoning_effort"]
	if !ok || string(raw) == "null" {
		return nil
	}
	var effort string
	if json.Unmarshal(raw, &effort) != nil {
		return gateway.Invalid("reasoning_effort", "reasoning_effort must be a string")
	}
	if effort == "minimal" || effort == "none" {
		return nil
	}
	budget, ok := thinkingBudgets[effort]
	if !ok {
		return gateway.Invalid("reasoning_effort", "reasoning_effort must be low, medium or high")
	}
	switch {
	case !explicit:
		*maxTokens += budget
	case *maxTokens <= budget:
		budget = *maxTokens - 1
		if budget < thinkingBudgets["low"] {
			return nil
		}
	}
	out.Thinking = &anthropicwire.Thinking{Type: anthropicwire.ThinkingEnabled, BudgetTokens: budget}
	return nil
}
