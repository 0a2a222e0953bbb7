package anthropic

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// fromResponse translates a Messages response to a chat completion:
//
//   - text blocks, joined, become the content (null when there is none
//     and the model calls tools);
//   - tool_use blocks become tool_calls (id, type function, name, and the
//     input as JSON text), except the response-format tool's, whose input
//     becomes the whole content;
//   - thinking blocks, joined, are kept in the message's Extra as
//     "reasoning_content" (the field DeepSeek and others use), so a client
//     that knows it sees the reasoning; redacted thinking is dropped;
//   - the stop reason becomes the finish reason (see finishReason), and
//     the usage as usage describes.
//
// ID and model are Anthropic's; created is now.
func fromResponse(r *anthropicwire.Response, jt *jsonTool, now time.Time) *gateway.ChatResponse {
	var text, reasoning strings.Builder
	var calls []gateway.ToolCall
	var jsonAnswer []byte
	for _, b := range r.Content {
		switch b.Type {
		case anthropicwire.BlockText:
			text.WriteString(b.Text)
		case anthropicwire.BlockThinking:
			reasoning.WriteString(b.Thinking)
		case anthropicwire.BlockToolUse:
			if jt != nil && b.Name == jt.name {
				jsonAnswer = toolInput(b.Input)
				continue
			}
			calls = append(calls, gateway.ToolCall{ID: b.ID, Type: "function",
				Function: gateway.FunctionCall{Name: b.Name, Arguments: string(toolInput(b.Input))}})
		}
	}
	if jsonAnswer != nil {
		// The answer is the JSON; text the model wrote around it is not.
		text.Reset()
		text.Write(jsonAnswer)
	}
	msg := gateway.Message{Role: "assistant", ToolCalls: calls}
	if text.Len() > 0 || len(calls) == 0 {
		msg.Content = gateway.TextContent(text.String())
	}
	if reasoning.Len() > 0 {
		rc, _ := json.Marshal(reasoning.String())
		msg.Extra = gateway.Extra{"reasoning_content": rc}
	}
	finish := finishReason(r.StopReason)
	if jsonAnswer != nil && len(calls) == 0 && finish == "tool_calls" {
		finish = "stop"
	}
	u := usage(r.Usage)
	return &gateway.ChatResponse{
		ID: r.ID, Object: "chat.completion", Created: now.Unix(), Model: r.Model,
		Choices: []gateway.Choice{{Index: 0, Message: msg, FinishReason: finish}},
		Usage:   &u,
	}
}

// toolInput returns a tool_use input as JSON text, {} when there is none.
func toolInput(in json.RawMessage) []byte {
	if len(in) == 0 || string(in) == "null" {
		return []byte("{}")
	}
	return in
}

// finishReason maps a stop reason: end_turn, stop_sequence and pause_turn
// are "stop"; max_tokens and model_context_window_exceeded "length";
// tool_use "tool_calls"; refusal "content_filter". Unknown reasons are
// "stop".
func finishReason(s anthropicwire.StopReason) string {
	switch s {
	case anthropicwire.StopMaxTokens, anthropicwire.StopModelContextWindowExceeded:
		return "length"
	case anthropicwire.StopToolUse:
		return "tool_calls"
	case anthropicwire.StopRefusal:
		return "content_filter"
	default:
		return "stop"
	}
}

// usage maps Anthropic's usage: the prompt is the input tokens plus those
// read from and written to the cache, which Anthropic counts apart;
// prompt_tokens_details says how many were read (cached_tokens) and
// written (cache_creation_tokens), as they are priced apart.
func usage(u anthropicwire.Usage) gateway.Usage {
	prompt := u.InputTokens + u.CacheReadInputTokens + u.CacheCreationInputTokens
	return gateway.Usage{
		PromptTokens:     prompt,
		CompletionTokens: u.OutputTokens,
		TotalTokens:      prompt + u.OutputTokens,
		PromptTokensDetails: &gateway.PromptTokensDetails{
			CachedTokens:        u.CacheReadInputTokens,
			CacheCreationTokens: u.CacheCreationInputTokens,
		},
	}
}
