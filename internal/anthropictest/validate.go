package anthropictest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// invalid is a 400 invalid_request_error with the API's message.
type invalid struct {
	status int
	msg    string
}

func bad(format string, args ...any) *invalid {
	return &invalid{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

var toolName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)

// decodeRequest decodes and checks a messages (or count_tokens) request
// the way the API does; needMaxTokens is false for count_tokens.
func decodeRequest(body []byte, needMaxTokens bool) (*anthropicwire.Request, *invalid) {
	var req anthropicwire.Request
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, bad("%s", decodeError(err))
	}
	var raw struct {
		Messages json.RawMessage `json:"messages"`
	}
	_ = json.Unmarshal(body, &raw)
	switch {
	case req.Model == "":
		return nil, bad("model: Field required")
	case needMaxTokens && req.MaxTokens == nil:
		return nil, bad("max_tokens: Field required")
	case req.MaxTokens != nil && *req.MaxTokens < 0:
		return nil, bad("max_tokens: Input should be greater than or equal to 0")
	case raw.Messages == nil || string(raw.Messages) == "null":
		return nil, bad("messages: Field required")
	case len(req.Messages) == 0:
		return nil, bad("messages: at least one message is required")
	case req.Temperature != nil && (*req.Temperature < 0 || *req.Temperature > 1):
		return nil, bad("temperature: Input should be less than or equal to 1")
	}
	for i, b := range req.System.Blocks {
		if b.Type != anthropicwire.BlockText {
			return nil, bad("system.%d.type: Input should be 'text'", i)
		}
	}
	for i := range req.Messages {
		if e := checkMessage(&req, i); e != nil {
			return nil, e
		}
	}
	if e := checkToolSequence(req.Messages); e != nil {
		return nil, e
	}
	if e := checkTools(&req); e != nil {
		return nil, e
	}
	if t := req.Thinking; t != nil && t.Type == anthropicwire.ThinkingEnabled && needMaxTokens {
		if t.BudgetTokens < 1024 {
			return nil, bad("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
		}
		if *req.MaxTokens <= t.BudgetTokens {
			return nil, bad("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size")
		}
	}
	if strings.HasPrefix(req.Model, "missing-") {
		return nil, &invalid{status: http.StatusNotFound, msg: "model: " + req.Model}
	}
	return &req, nil
}

// checkMessage checks the role and the blocks of message i.
func checkMessage(req *anthropicwire.Request, i int) *invalid {
	m := &req.Messages[i]
	if m.Role != anthropicwire.RoleUser && m.Role != anthropicwire.RoleAssistant {
		return bad("messages.%d.role: Input should be 'user' or 'assistant'", i)
	}
	last := i == len(req.Messages)-1
	if m.Content.IsZero() || (m.Content.Blocks != nil && len(m.Content.Blocks) == 0) {
		if last && m.Role == anthropicwire.RoleAssistant {
			return nil
		}
		return bad("messages.%d: all messages must have non-empty content except for the optional final assistant message", i)
	}
	for j, b := range m.Content.Blocks {
		at := fmt.Sprintf("messages.%d.content.%d", i, j)
		switch b.Type {
		case anthropicwire.BlockText:
			if strings.TrimSpace(b.Text) == "" {
				return bad("%s.text: text content blocks must contain non-whitespace text", at)
			}
		case anthropicwire.BlockImage:
			if e := checkImage(at, b.Source); e != nil {
				return e
			}
		case anthropicwire.BlockDocument:
			if b.Source == nil {
				return bad("%s.document.source: Field required", at)
			}
		case anthropicwire.BlockToolUse:
			if m.Role != anthropicwire.RoleAssistant {
				return bad("%s: tool_use blocks are only allowed in assistant messages", at)
			}
			var obj map[string]json.RawMessage
			if json.Unmarshal(b.Input, &obj) != nil || obj == nil {
				return bad("%s.tool_use.input: Input should be a valid dictionary", at)
			}
		case anthropicwire.BlockToolResult:
			if m.Role != anthropicwire.RoleUser {
				return bad("%s: tool_result blocks are only allowed in user messages", at)
			}
			for k, inner := range b.Content.Blocks {
				if inner.Type == anthropicwire.BlockImage {
					if e := checkImage(fmt.Sprintf("%s.tool_result.content.%d", at, k), inner.Source); e != nil {
						return e
					}
				}
			}
		case anthropicwire.BlockThinking, anthropicwire.BlockRedactedThinking:
			if m.Role != anthropicwire.RoleAssistant {
				return bad("%s: thinking blocks are only allowed in assistant messages", at)
			}
		case "":
			return bad("%s.type: Field required", at)
		}
	}
	return nil
}

var mediaTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

// checkImage checks an image source: a supported media type and base64
// data whose bytes are an image of that type, or an http(s) URL.
func checkImage(at string, src *anthropicwire.Source) *invalid {
	if src == nil {
		return bad("%s.image.source: Field required", at)
	}
	switch src.Type {
	case "base64":
		if !slices.Contains(mediaTypes, src.MediaType) {
			return bad("%s.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'", at)
		}
		data, err := base64.StdEncoding.DecodeString(src.Data)
		if err != nil || len(data) == 0 {
			return bad("%s.image.source.base64.data: The image data is not valid base64.", at)
		}
		got := sniffImage(data)
		if got == "" {
			return bad("%s.image.source.base64.data: Could not process image", at)
		}
		if got != src.MediaType {
			return bad("%s.image.source.base64: The image was specified using the %s media type, but the image appears to be a %s image", at, src.MediaType, got)
		}
	case "url":
		u, err := url.Parse(src.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("%s.image.source.url.url: Input should be a valid URL", at)
		}
	case "file":
		if src.FileID == "" {
			return bad("%s.image.source.file.file_id: Field required", at)
		}
	default:
		return bad("%s.image.source: Input tag '%s' found using 'type' does not match any of the expected tags: 'base64', 'url', 'file'", at, src.Type)
	}
	return nil
}

// sniffImage returns the media type of an image from its first bytes.
func sniffImage(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("\xFF\xD8\xFF")):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}

// checkToolSequence enforces the API's rule that the tool_use blocks of
// an assistant message are answered by tool_result blocks in the very
// next message, and that every tool_result answers one. Unlike the API,
// it does not merge consecutive messages of one role first, so a client
// that sends tool results as separate messages is caught.
func checkToolSequence(msgs []anthropicwire.Message) *invalid {
	var pending []string // tool_use ids of the previous message
	for i, m := range msgs {
		var answered []string
		for j, b := range m.Content.Blocks {
			if b.Type != anthropicwire.BlockToolResult {
				continue
			}
			if !slices.Contains(pending, b.ToolUseID) {
				return bad("messages.%d.content.%d: unexpected `tool_use_id` found in `tool_result` blocks: %s. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.", i, j, b.ToolUseID)
			}
			answered = append(answered, b.ToolUseID)
		}
		if missing := slices.DeleteFunc(pending, func(id string) bool { return slices.Contains(answered, id) }); len(missing) > 0 {
			return bad("messages.%d: `tool_use` ids were found without `tool_result` blocks immediately after: %s. Each `tool_use` block must have a corresponding `tool_result` block in the next message.", i-1, strings.Join(missing, ", "))
		}
		pending = nil
		for _, b := range m.Content.Blocks {
			if b.Type == anthropicwire.BlockToolUse {
				pending = append(pending, b.ID)
			}
		}
	}
	if len(pending) > 0 && msgs[len(msgs)-1].Role == anthropicwire.RoleUser {
		return bad("messages.%d: `tool_use` ids were found without `tool_result` blocks immediately after: %s. Each `tool_use` block must have a corresponding `tool_result` block in the next message.", len(msgs)-1, strings.Join(pending, ", "))
	}
	return nil
}

// checkTools checks the tool definitions and tool_choice.
func checkTools(req *anthropicwire.Request) *invalid {
	names := map[string]bool{}
	for i := range req.Tools {
		t := &req.Tools[i]
		if !t.IsCustom() {
			names[t.Name] = true
			continue
		}
		if !toolName.MatchString(t.Name) {
			return bad("tools.%d.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'", i)
		}
		var schema struct {
			Type string `json:"type"`
		}
		if len(t.InputSchema) == 0 {
			return bad("tools.%d.custom.input_schema: Field required", i)
		}
		if json.Unmarshal(t.InputSchema, &schema) != nil || schema.Type != "object" {
			return bad("tools.%d.custom.input_schema.type: Input should be 'object'", i)
		}
		if names[t.Name] {
			return bad("tools: Tool names must be unique.")
		}
		names[t.Name] = true
	}
	tc := req.ToolChoice
	if tc == nil {
		return nil
	}
	switch tc.Type {
	case anthropicwire.ToolChoiceAuto, anthropicwire.ToolChoiceNone:
	case anthropicwire.ToolChoiceAny, anthropicwire.ToolChoiceTool:
		if len(req.Tools) == 0 {
			return bad("tool_choice: tool_choice may only be specified while providing tools.")
		}
		if tc.Type == anthropicwire.ToolChoiceTool && !names[tc.Name] {
			return bad("tool_choice.tool.name: Tool '%s' not found in provided tools", tc.Name)
		}
	default:
		return bad("tool_choice: Input tag '%s' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'", tc.Type)
	}
	return nil
}
