package gemini

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// setTools translates tools and tool_choice: the functions become one tool
// of functionDeclarations whose parameters are passed as JSON Schema
// (parametersJsonSchema) unchanged; tool_choice auto, none, required and a
// named function become functionCallingConfig mode AUTO, NONE, ANY, and
// ANY with allowedFunctionNames. A tool_choice without tools is dropped,
// as is parallel_tool_calls: Gemini has no switch for it.
func setTools(out *request, req *gateway.ChatRequest) error {
	var decls []functionDeclaration
	for i, t := range req.Tools {
		if t.Type != "" && t.Type != "function" {
			return gateway.Invalid("tools", "tools[%d].type %q is not supported by Gemini", i, t.Type)
		}
		if t.Function.Name == "" {
			return gateway.Invalid("tools", "tools[%d].function.name is required", i)
		}
		d := functionDeclaration{Name: t.Function.Name, Description: t.Function.Description}
		if p := bytes.TrimSpace(t.Function.Parameters); len(p) > 0 && string(p) != "null" {
			if !isObject(p) {
				return gateway.Invalid("tools", "tools[%d].function.parameters must be a JSON Schema object", i)
			}
			d.ParametersJSONSchema = compact(p)
		}
		decls = append(decls, d)
	}
	if decls == nil {
		return nil
	}
	out.Tools = []tool{{FunctionDeclarations: decls}}
	tc := req.ToolChoice
	if tc == nil {
		return nil
	}
	var fc functionCallingConfig
	switch tc.Mode {
	case "auto":
		fc.Mode = "AUTO"
	case "none":
		fc.Mode = "NONE"
	case "required":
		fc.Mode = "ANY"
	case "function":
		if tc.Function == "" {
			return gateway.Invalid("tool_choice", "tool_choice.function.name is required")
		}
		fc.Mode, fc.AllowedFunctionNames = "ANY", []string{tc.Function}
	default:
		return gateway.Invalid("tool_choice", "tool_choice %q is not supported by Gemini", tc.Mode)
	}
	out.ToolConfig = &toolConfig{FunctionCallingConfig: fc}
	return nil
}

// Thinking budgets of reasoning_effort, in tokens. low, medium and high
// are the budgets Google's own OpenAI-compatible endpoint uses; minimal is
// the smallest budget every Gemini 2.5 model accepts; none turns thinking
// off (0), which Gemini 2.5 Pro refuses.
var thinkingBudgets = map[string]int{"none": 0, "minimal": 512, "low": 1024, "medium": 8192, "high": 24576}

// setConfig translates the generation parameters to generationConfig:
// temperature, top_p, max_tokens (or max_completion_tokens, which wins) as
// maxOutputTokens, stop as stopSequences, n as candidateCount, seed,
// presence_penalty, frequency_penalty; response_format json_object as
// responseMimeType application/json, json_schema as that and
// responseJsonSchema (json_schema.schema, unchanged); and thinking (see
// thinking). A seed outside Gemini's int32 is CodeInvalid.
func setConfig(out *request, req *gateway.ChatRequest) error {
	g := genConfig{Temperature: req.Temperature, TopP: req.TopP, CandidateCount: req.N,
		PresencePenalty: req.PresencePenalty, FrequencyPenalty: req.FrequencyPenalty, MaxOutputTokens: req.MaxTokens}
	if req.MaxCompletionTokens != nil {
		g.MaxOutputTokens = req.MaxCompletionTokens
	}
	if len(req.Stop) > 0 {
		g.StopSequences = append([]string(nil), req.Stop...)
	}
	if s := req.Seed; s != nil {
		if *s < math.MinInt32 || *s > math.MaxInt32 {
			return gateway.Invalid("seed", "gemini: seed must fit in 32 bits")
		}
		g.Seed = s
	}
	if err := responseFormat(&g, req.ResponseFormat); err != nil {
		return err
	}
	if err := thinking(&g, req.Extra); err != nil {
		return err
	}
	if b, err := json.Marshal(&g); err != nil || string(b) != "{}" {
		out.GenerationConfig = &g
	}
	return nil
}

// responseFormat translates response_format.
func responseFormat(g *genConfig, rf *gateway.ResponseFormat) error {
	if rf == nil {
		return nil
	}
	switch rf.Type {
	case "", "text":
	case "json_object":
		g.ResponseMIMEType = "application/json"
	case "json_schema":
		var js struct {
			Schema json.RawMessage `json:"schema"`
		}
		if json.Unmarshal(rf.JSONSchema, &js) != nil || !isObject(js.Schema) {
			return gateway.Invalid("response_format", "response_format.json_schema.schema must be a JSON Schema object")
		}
		g.ResponseMIMEType, g.ResponseJSONSchema = "application/json", compact(js.Schema)
	default:
		return gateway.Invalid("response_format", "response_format.type %q is not supported by Gemini", rf.Type)
	}
	return nil
}

// thinking sets thinkingConfig from two Extra fields:
//
//   - reasoning_effort ("none", "minimal", "low", "medium", "high") sets
//     thinkingBudget as thinkingBudgets says;
//   - google, the extension of Google's own OpenAI-compatible endpoint,
//     {"thinking_config": {"thinking_budget", "thinking_level",
//     "include_thoughts"}}, sets those fields and wins over
//     reasoning_effort. With include_thoughts the model's thought
//     summaries come back in the message's reasoning_content.
func thinking(g *genConfig, extra gateway.Extra) error {
	var tc thinkingConfig
	set := false
	if raw, ok := extra["reasoning_effort"]; ok && string(raw) != "null" {
		var effort string
		if json.Unmarshal(raw, &effort) != nil {
			return gateway.Invalid("reasoning_effort", "reasoning_effort must be a string")
		}
		budget, known := thinkingBudgets[strings.ToLower(effort)]
		if !known {
			return gateway.Invalid("reasoning_effort", "reasoning_effort must be none, minimal, low, medium or high")
		}
		tc.ThinkingBudget, set = &budget, true
	}
	if raw, ok := extra["google"]; ok && string(raw) != "null" {
		var google struct {
			ThinkingConfig *struct {
				ThinkingBudget  *int   `json:"thinking_budget"`
				ThinkingLevel   string `json:"thinking_level"`
				IncludeThoughts bool   `json:"include_thoughts"`
			} `json:"thinking_config"`
		}
		if json.Unmarshal(raw, &google) != nil {
			return gateway.Invalid("google", "google must be an object such as {\"thinking_config\": {...}}")
		}
		if c := google.ThinkingConfig; c != nil {
			if c.ThinkingBudget != nil {
				tc.ThinkingBudget = c.ThinkingBudget
			}
			if c.ThinkingLevel != "" {
				tc.ThinkingLevel, tc.ThinkingBudget = strings.ToUpper(c.ThinkingLevel), nil
			}
			tc.IncludeThoughts, set = c.IncludeThoughts, true
		}
	}
	if set {
		g.ThinkingConfig = &tc
	}
	return nil
}
