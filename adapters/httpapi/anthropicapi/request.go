package anthropicapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// textSep joins text blocks that become one string: the system prompt,
// a user turn made of text only, an assistant turn's text, the text of a
// tool result. A blank line keeps blocks that Anthropic would show the
// model as separate paragraphs apart.
const textSep = "\n\n"

// maxUserLen is the longest user OpenAI accepts ("string too long.
// Expected a string with maximum length 64"); Claude Code's user_id is
// about 150 characters.
const maxUserLen = 64

// Thinking budgets at which reasoning_effort steps up. They sit between
// the budgets the Anthropic provider adapter gives each effort (low 1024,
// medium 8192, high 24576), so an effort that goes through both
// translations comes back unchanged.
const (
	mediumBudget = 4096
	highBudget   = 16384
)

// ToChat translates an Anthropic request into the canonical chat request
// (Model unchanged), so that any upstream can serve it:
//
//   - system (a string or text blocks) becomes one leading system message;
//   - messages: see appendUser and appendAssistant;
//   - tools and tool_choice: see convertTools and convertToolChoice;
//   - max_tokens → MaxTokens; it is required, as Anthropic requires it
//     (CodeInvalid "max_tokens: Field required");
//   - stop_sequences → Stop; temperature and top_p as they are; top_k is
//     dropped, as OpenAI rejects it;
//   - metadata.user_id → User; one longer than OpenAI's 64 characters is
//     replaced by its SHA-256 in hex (64 characters), which still tells
//     users apart;
//   - thinking enabled → Extra "reasoning_effort": budget_tokens below
//     4096 low, below 16384 medium, else high; adaptive and disabled set
//     nothing, leaving the choice to the upstream;
//   - stream → Stream with StreamOptions.IncludeUsage, so the usage
//     always comes back for message_delta.
//
// Other top-level fields are ignored, except mcp_servers, which needs an
// Anthropic upstream (CodeInvalid). The result is validated
// (gateway.ChatRequest.Validate); every error is a CodeInvalid
// *gateway.Error naming the field at fault.
func ToChat(req *anthropicwire.Request) (*gateway.ChatRequest, error) {
	if req == nil {
		return nil, gateway.Invalid("", "the request body is required")
	}
	if req.MaxTokens == nil {
		return nil, gateway.Invalid("max_tokens", "max_tokens: Field required")
	}
	if *req.MaxTokens < 0 {
		return nil, gateway.Invalid("max_tokens", "max_tokens: Input should be greater than or equal to 0")
	}
	if raw, ok := req.Extra["mcp_servers"]; ok && string(raw) != "null" {
		return nil, gateway.Invalid("mcp_servers", "mcp_servers need an Anthropic upstream")
	}
	maxTokens := *req.MaxTokens
	out := &gateway.ChatRequest{
		Model:       req.Model,
		MaxTokens:   &maxTokens,
		Temperature: clone(req.Temperature),
		TopP:        clone(req.TopP),
		Stop:        gateway.Stop(req.StopSequences),
	}
	if req.Metadata != nil {
		out.User = user(req.Metadata.UserID)
	}
	if req.Stream {
		out.Stream = true
		out.StreamOptions = &gateway.StreamOptions{IncludeUsage: true}
	}
	if s := req.System.PlainText(textSep); s != "" {
		out.Messages = append(out.Messages, gateway.Message{Role: "system", Content: gateway.TextContent(s)})
	}
	msgs, err := convertMessages(req.Messages)
	if err != nil {
		return nil, err
	}
	out.Messages = append(out.Messages, msgs...)
	if out.Tools, err = convertTools(req.Tools); err != nil {
		return nil, err
	}
	if err := convertToolChoice(req.ToolChoice, out); err != nil {
		return nil, err
	}
	if effort := reasoningEffort(req.Thinking); effort != "" {
		out.Extra = gateway.Extra{"reasoning_effort": json.RawMessage(`"` + effort + `"`)}
	}
	if err := out.Validate(); err != nil {
		return nil, err
	}
	return out, nil
}

// clone returns a copy of *p, so that the canonical request shares
// nothing with the client's, which the gateway may change per route.
func clone[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// user returns the canonical user for an Anthropic user_id.
func user(id string) string {
	if len(id) <= maxUserLen {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// reasoningEffort returns the reasoning_effort for a thinking
// configuration, or "" when it asks for none.
func reasoningEffort(t *anthropicwire.Thinking) string {
	if t == nil || t.Type != anthropicwire.ThinkingEnabled {
		return ""
	}
	switch {
	case t.BudgetTokens < mediumBudget:
		return "low"
	case t.BudgetTokens < highBudget:
		return "medium"
	}
	return "high"
}
