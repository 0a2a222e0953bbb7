package gemini

import (
	"crypto/rand"
	"encoding/json"
	"math"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// fromResponse translates a whole GenerateContentResponse to a chat
// completion: id the responseId (or a generated one), model the
// modelVersion (or the model asked for), object "chat.completion", one
// choice per candidate (see message), and the usage (see usage). A prompt
// blocked before any candidate (promptFeedback.blockReason) becomes one
// choice with empty content and finish_reason "content_filter".
func fromResponse(r *response, model string, created int64) *gateway.ChatResponse {
	out := &gateway.ChatResponse{ID: r.ResponseID, Object: "chat.completion", Created: created, Model: model,
		Choices: []gateway.Choice{}}
	if out.ID == "" {
		out.ID = newID("gemini-")
	}
	if r.ModelVersion != "" {
		out.Model = shortModel(r.ModelVersion)
	}
	for _, c := range r.Candidates {
		msg, calls := message(c.Content)
		out.Choices = append(out.Choices, gateway.Choice{Index: c.Index, Message: msg,
			FinishReason: finishReason(c.FinishReason, calls > 0)})
	}
	if len(r.Candidates) == 0 && r.PromptFeedback != nil && r.PromptFeedback.BlockReason != "" {
		out.Choices = append(out.Choices, gateway.Choice{Message: gateway.Message{Role: "assistant",
			Content: gateway.TextContent("")}, FinishReason: "content_filter"})
	}
	if r.UsageMetadata != nil {
		u := usage(r.UsageMetadata)
		out.Usage = &u
	}
	return out
}

// message translates a candidate's content to an assistant message and
// counts its function calls: the text parts joined are the content (null
// when there are only function calls), thought parts go in the Extra
// field "reasoning_content", and function calls become tool calls (see
// toolCall).
func message(c *responseContent) (gateway.Message, int) {
	m := gateway.Message{Role: "assistant"}
	var text, thoughts strings.Builder
	if c != nil {
		for _, p := range c.Parts {
			switch {
			case p.FunctionCall != nil:
				m.ToolCalls = append(m.ToolCalls, toolCall(p.FunctionCall, nil))
			case p.Thought:
				thoughts.WriteString(p.Text)
			default:
				text.WriteString(p.Text)
			}
		}
	}
	if text.Len() > 0 || len(m.ToolCalls) == 0 {
		m.Content = gateway.TextContent(text.String())
	}
	if thoughts.Len() > 0 {
		b, _ := json.Marshal(thoughts.String())
		m.Extra = gateway.Extra{"reasoning_content": b}
	}
	return m, len(m.ToolCalls)
}

// toolCall translates a function call: its id if it has one, else "call_"
// and a random suffix; arguments its args as JSON text ({} when none).
// index is set in stream deltas.
func toolCall(fc *functionCall, index *int) gateway.ToolCall {
	id := fc.ID
	if id == "" {
		id = newID("call_")
	}
	args := "{}"
	if a := strings.TrimSpace(string(fc.Args)); a != "" && a != "null" {
		args = string(compact(json.RawMessage(a)))
	}
	return gateway.ToolCall{Index: index, ID: id, Type: "function",
		Function: gateway.FunctionCall{Name: fc.Name, Arguments: args}}
}

// finishReason maps Gemini's finishReason: STOP is "stop", or
// "tool_calls" when the candidate called functions; MAX_TOKENS "length";
// the safety stops (SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT,
// SPII, IMAGE_SAFETY and the like) "content_filter"; any other reason
// "stop"; none at all "" (a stream chunk before the end).
func finishReason(reason string, calls bool) string {
	switch reason {
	case "":
		return ""
	case "MAX_TOKENS":
		return "length"
	case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
		"IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION":
		return "content_filter"
	}
	if calls {
		return "tool_calls"
	}
	return "stop"
}

// usage translates usageMetadata: prompt_tokens are the prompt's tokens
// and those of tool results (toolUsePromptTokenCount); completion_tokens
// the candidates' and the thoughts' (billed as output); total_tokens
// totalTokenCount (or the sum when it is missing); cached_tokens
// cachedContentTokenCount; reasoning_tokens thoughtsTokenCount. Counts
// below zero are taken as zero, and sums saturate.
func usage(m *usageMetadata) gateway.Usage {
	prompt := clamp(m.PromptTokenCount, m.ToolUsePromptTokenCount)
	completion := clamp(m.CandidatesTokenCount, m.ThoughtsTokenCount)
	u := gateway.Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: clamp(m.TotalTokenCount)}
	if u.TotalTokens == 0 {
		u.TotalTokens = clamp(int64(prompt), int64(completion))
	}
	if n := clamp(m.CachedContentTokenCount); n > 0 {
		u.PromptTokensDetails = &gateway.PromptTokensDetails{CachedTokens: n}
	}
	if n := clamp(m.ThoughtsTokenCount); n > 0 {
		u.CompletionTokensDetails = &gateway.CompletionTokensDetails{ReasoningTokens: n}
	}
	return u
}

// clamp sums counts, each taken as zero if below it, and caps the sum at
// math.MaxInt32, far above any real count.
func clamp(counts ...int64) int {
	var sum int64
	for _, n := range counts {
		if n > 0 {
			sum += min(n, math.MaxInt32)
		}
	}
	return int(min(sum, math.MaxInt32))
}

// newID returns prefix and 24 random alphanumeric characters.
func newID(prefix string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}
