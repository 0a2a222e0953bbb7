package anthropicapi

import (
	"fmt"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// convertMessages translates the conversation turn by turn; a role other
// than user or assistant is CodeInvalid.
func convertMessages(msgs []anthropicwire.Message) ([]gateway.Message, error) {
	out := make([]gateway.Message, 0, len(msgs))
	var err error
	for i := range msgs {
		m := &msgs[i]
		switch m.Role {
		case anthropicwire.RoleUser:
			out, err = appendUser(out, i, m.Content)
		case anthropicwire.RoleAssistant:
			out, err = appendAssistant(out, i, m.Content)
		default:
			return nil, gateway.Invalid("messages", "messages[%d].role must be user or assistant", i)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// appendUser appends a user turn. Its tool_result blocks become tool
// messages placed first, in their order, since OpenAI requires them right
// after the assistant message that made the calls. A tool message holds
// the result's text (its string, or its text blocks joined; is_error adds
// nothing); the images and documents a result returned, which a tool
// message cannot hold, join the rest of the turn (text, images,
// documents) in one user message after the tool messages. Thinking blocks
// are dropped. A turn with tool results and nothing else adds no user
// message.
func appendUser(out []gateway.Message, i int, c anthropicwire.Content) ([]gateway.Message, error) {
	if c.Blocks == nil {
		return append(out, gateway.Message{Role: "user", Content: gateway.TextContent(c.Text)}), nil
	}
	var parts []gateway.ContentPart
	results := 0
	for j := range c.Blocks {
		b := &c.Blocks[j]
		where := fmt.Sprintf("messages[%d].content[%d]", i, j)
		if b.Type != anthropicwire.BlockToolResult {
			p, err := contentParts(b, where)
			if err != nil {
				return nil, err
			}
			parts = append(parts, p...)
			continue
		}
		if b.ToolUseID == "" {
			return nil, gateway.Invalid("messages", "%s.tool_use_id is required", where)
		}
		for k := range b.Content.Blocks {
			inner := &b.Content.Blocks[k]
			if inner.Type == anthropicwire.BlockText {
				continue // in the tool message's text
			}
			p, err := contentParts(inner, fmt.Sprintf("%s.content[%d]", where, k))
			if err != nil {
				return nil, err
			}
			parts = append(parts, p...)
		}
		out = append(out, gateway.Message{
			Role:       "tool",
			ToolCallID: b.ToolUseID,
			Content:    gateway.TextContent(b.Content.PlainText(textSep)),
		})
		results++
	}
	if len(parts) == 0 && results > 0 {
		return out, nil
	}
	return append(out, gateway.Message{Role: "user", Content: userContent(parts)}), nil
}

// userContent returns parts as a user message's content: made of text
// only, it is one string joined by a blank line, since some
// OpenAI-compatible hosts (DeepSeek, older vLLM) accept only strings;
// otherwise the parts themselves.
func userContent(parts []gateway.ContentPart) gateway.Content {
	texts := make([]string, 0, len(parts))
	for _, p := range parts {
		if p.Type != "text" {
			return gateway.PartsContent(parts...)
		}
		texts = append(texts, p.Text)
	}
	return gateway.TextContent(strings.Join(texts, textSep))
}

// appendAssistant appends an assistant turn: its text blocks become the
// content (joined by a blank line; null when there are none), its
// tool_use blocks tool_calls (type function, arguments the input as JSON
// text), and thinking blocks are dropped, since other providers cannot
// check their signatures. A turn left with nothing (only thinking, or
// empty) adds no message, as OpenAI rejects an assistant message without
// content or tool calls. A block only Anthropic understands is
// CodeInvalid.
//
// A last assistant turn is a prefill for Anthropic; other providers take
// it as an earlier answer, which most then continue anyway.
func appendAssistant(out []gateway.Message, i int, c anthropicwire.Content) ([]gateway.Message, error) {
	msg := gateway.Message{Role: "assistant"}
	if c.Blocks == nil {
		if c.Text == "" {
			return out, nil
		}
		msg.Content = gateway.TextContent(c.Text)
		return append(out, msg), nil
	}
	var texts []string
	for j := range c.Blocks {
		b := &c.Blocks[j]
		switch b.Type {
		case anthropicwire.BlockText:
			if b.Text != "" {
				texts = append(texts, b.Text)
			}
		case anthropicwire.BlockToolUse:
			if b.ID == "" || b.Name == "" {
				return nil, gateway.Invalid("messages", "messages[%d].content[%d]: a tool_use block needs an id and a name", i, j)
			}
			args := string(b.Input)
			if args == "" || args == "null" {
				args = "{}"
			}
			msg.ToolCalls = append(msg.ToolCalls, gateway.ToolCall{
				ID: b.ID, Type: "function", Function: gateway.FunctionCall{Name: b.Name, Arguments: args},
			})
		case anthropicwire.BlockThinking, anthropicwire.BlockRedactedThinking:
		default:
			return nil, unsupportedBlock(fmt.Sprintf("messages[%d].content[%d]", i, j), b.Type)
		}
	}
	if len(texts) > 0 {
		msg.Content = gateway.TextContent(strings.Join(texts, textSep))
	}
	if len(texts) == 0 && len(msg.ToolCalls) == 0 {
		return out, nil
	}
	return append(out, msg), nil
}

// unsupportedBlock is the error for a block the canonical format cannot
// carry: server tool blocks, search results, container uploads, and
// blocks in the wrong role.
func unsupportedBlock(where, typ string) error {
	return gateway.Invalid("messages", "%s: %q blocks need an Anthropic upstream", where, typ)
}
