package anthropicapi

import (
	"bytes"
	"encoding/json"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// emptyInput is the input of a tool call without arguments.
var emptyInput = json.RawMessage("{}")

// FromChat translates a whole canonical completion (its first choice)
// into an Anthropic message:
//
//   - the text becomes one text block, first; there is none when the
//     text is empty and there are tool calls, and an empty one when there
//     is nothing at all, as a message always has content to show; a
//     refusal with no text is the text;
//   - each tool call becomes a tool_use block, see toolInput;
//   - the finish reason becomes the stop reason, see stopReason;
//   - usage: see anthropicUsage;
//   - the id is the completion's, prefixed with "msg_" (see messageID),
//     and the model is the completion's.
func FromChat(resp *gateway.ChatResponse) *anthropicwire.Response {
	if resp == nil {
		resp = &gateway.ChatResponse{}
	}
	out := &anthropicwire.Response{
		ID:    messageID(resp.ID),
		Type:  "message",
		Role:  anthropicwire.RoleAssistant,
		Model: resp.Model,
		Usage: anthropicUsage(resp.Usage),
	}
	var ch gateway.Choice
	if len(resp.Choices) > 0 {
		ch = resp.Choices[0]
	}
	msg := &ch.Message
	text := msg.Content.Text()
	if text == "" {
		text = msg.Refusal
	}
	if text != "" || len(msg.ToolCalls) == 0 {
		out.Content = append(out.Content, anthropicwire.ContentBlock{Type: anthropicwire.BlockText, Text: text})
	}
	for _, tc := range msg.ToolCalls {
		out.Content = append(out.Content, anthropicwire.ContentBlock{
			Type:  anthropicwire.BlockToolUse,
			ID:    toolUseID(tc.ID),
			Name:  tc.Function.Name,
			Input: toolInput(tc.Function.Arguments),
		})
	}
	out.StopReason = stopReason(ch.FinishReason, len(msg.ToolCalls) > 0, msg.Refusal != "")
	return out
}

// stopReason maps a finish reason: stop → end_turn, length → max_tokens,
// tool_calls (and the legacy function_call) → tool_use, content_filter →
// refusal, anything else → end_turn. A completion that called tools is
// tool_use even when the host said stop (Ollama and some Gemini
// endpoints do), as Anthropic clients run tools on tool_use; one that
// refused is refusal.
func stopReason(finish string, calledTools, refused bool) anthropicwire.StopReason {
	switch finish {
	case "length":
		return anthropicwire.StopMaxTokens
	case "tool_calls", "function_call":
		return anthropicwire.StopToolUse
	case "content_filter":
		return anthropicwire.StopRefusal
	}
	switch {
	case calledTools:
		return anthropicwire.StopToolUse
	case refused:
		return anthropicwire.StopRefusal
	}
	return anthropicwire.StopEndTurn
}

// anthropicUsage maps the usage: Anthropic counts the cached and
// cache-written tokens apart from input_tokens, while OpenAI's
// prompt_tokens includes them, so input_tokens = prompt_tokens − cached −
// cache_creation (never negative); cache_read_input_tokens = cached;
// cache_creation_input_tokens = cache_creation_tokens; output_tokens =
// completion_tokens. No usage is all zeros.
func anthropicUsage(u *gateway.Usage) anthropicwire.Usage {
	if u == nil {
		return anthropicwire.Usage{}
	}
	var cached, created int
	if d := u.PromptTokensDetails; d != nil {
		cached, created = d.CachedTokens, d.CacheCreationTokens
	}
	return anthropicwire.Usage{
		InputTokens:              max(u.PromptTokens-cached-created, 0),
		CacheReadInputTokens:     cached,
		CacheCreationInputTokens: created,
		OutputTokens:             u.CompletionTokens,
	}
}

// toolInput returns a tool call's arguments as a tool_use input, which
// Anthropic requires to be a JSON object: arguments that are one are used
// as they are; empty ones are {}; anything else (malformed JSON, an
// array, a string — a model's mistake) is wrapped as {"arguments": <the
// raw text>}, so that the client sees what the model wrote instead of an
// error.
func toolInput(args string) json.RawMessage {
	trimmed := bytes.TrimSpace([]byte(args))
	switch {
	case len(trimmed) == 0:
		return emptyInput
	case trimmed[0] == '{' && json.Valid(trimmed):
		return trimmed
	}
	wrapped, err := json.Marshal(map[string]string{"arguments": args})
	if err != nil { // cannot happen: a map of strings always encodes
		return emptyInput
	}
	return wrapped
}
