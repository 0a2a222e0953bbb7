package anthropic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// toRequest translates a canonical chat request to a Messages request.
// Every failure is CodeInvalid naming the field at fault, and nothing is
// sent.
//
//   - system and developer messages become the system prompt, one text
//     block each, in their order;
//   - user and assistant messages become turns; text parts become text
//     blocks, image_url parts image blocks (a data: URL a base64 source
//     with its media type, an http(s) URL a url source), file parts with
//     PDF data document blocks; audio is refused;
//   - an assistant's tool_calls become tool_use blocks, whose arguments
//     must be a JSON object (empty arguments mean {});
//   - tool messages become tool_result blocks of a user turn;
//   - consecutive turns of one role are merged into one, as Anthropic
//     requires alternating turns: consecutive tool results form one user
//     turn, and a user message right after them joins that turn;
//   - tools become custom tools (no parameters: an empty object schema);
//     tool_choice auto, required, none and a function become auto, any,
//     none and tool; parallel_tool_calls false sets
//     disable_parallel_tool_use;
//   - stop becomes stop_sequences, user metadata.user_id, max_tokens (or
//     max_completion_tokens, which wins) max_tokens, else the provider's
//     default; temperature and top_p are passed as they are;
//   - n above 1 is refused: Anthropic returns one completion;
//   - reasoning_effort (an Extra field) enables thinking, see thinking;
//   - response_format json_object or json_schema, see responseFormat.
//
// Anything else (presence_penalty, seed, logprobs, other Extra fields) is
// dropped, as Anthropic refuses fields it does not know.
func (u *Upstream) toRequest(req *gateway.ChatRequest) (*anthropicwire.Request, *jsonTool, error) {
	if req.N != nil && *req.N > 1 {
		return nil, nil, gateway.Invalid("n", "anthropic: n must be 1, Anthropic returns one completion per request")
	}
	out := &anthropicwire.Request{Model: req.Model, Temperature: req.Temperature, TopP: req.TopP}
	maxTokens, explicit := u.maxTokens, false
	if req.MaxTokens != nil {
		maxTokens, explicit = *req.MaxTokens, true
	}
	if req.MaxCompletionTokens != nil {
		maxTokens, explicit = *req.MaxCompletionTokens, true
	}
	if len(req.Stop) > 0 {
		out.StopSequences = append([]string(nil), req.Stop...)
	}
	if req.User != "" {
		out.Metadata = &anthropicwire.Metadata{UserID: req.User}
	}
	var system []anthropicwire.ContentBlock
	for i := range req.Messages {
		m := &req.Messages[i]
		var err error
		switch m.Role {
		case "system", "developer":
			system, err = appendSystem(system, m, i)
		case "user":
			var blocks []anthropicwire.ContentBlock
			if blocks, err = userBlocks(m.Content, fmt.Sprintf("messages[%d]", i)); err == nil {
				if len(blocks) == 0 {
					return nil, nil, gateway.Invalid("messages", "messages[%d].content must not be empty", i)
				}
				out.Messages = appendTurn(out.Messages, anthropicwire.RoleUser, blocks)
			}
		case "assistant":
			var blocks []anthropicwire.ContentBlock
			if blocks, err = assistantBlocks(m, i); err == nil && len(blocks) > 0 {
				out.Messages = appendTurn(out.Messages, anthropicwire.RoleAssistant, blocks)
			}
		case "tool":
			var b anthropicwire.ContentBlock
			if b, err = toolResult(m, i); err == nil {
				out.Messages = appendTurn(out.Messages, anthropicwire.RoleUser, []anthropicwire.ContentBlock{b})
			}
		default:
			err = gateway.Invalid("messages", "messages[%d].role %q is not supported by Anthropic", i, m.Role)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	if len(out.Messages) == 0 {
		return nil, nil, gateway.Invalid("messages", "messages must hold at least one user or assistant message")
	}
	if system != nil {
		out.System = anthropicwire.BlocksContent(system...)
	}
	if err := setTools(out, req); err != nil {
		return nil, nil, err
	}
	jt, err := responseFormat(out, req.ResponseFormat)
	if err != nil {
		return nil, nil, err
	}
	if err := thinking(out, req.Extra, &maxTokens, explicit); err != nil {
		return nil, nil, err
	}
	out.MaxTokens = &maxTokens
	return out, jt, nil
}

// appendTurn adds blocks as a turn of role, merged into the last turn if
// it has the same role.
func appendTurn(msgs []anthropicwire.Message, role string, blocks []anthropicwire.ContentBlock) []anthropicwire.Message {
	if n := len(msgs); n > 0 && msgs[n-1].Role == role {
		msgs[n-1].Content.Blocks = append(msgs[n-1].Content.Blocks, blocks...)
		return msgs
	}
	return append(msgs, anthropicwire.Message{Role: role, Content: anthropicwire.BlocksContent(blocks...)})
}

// appendSystem adds the text of a system or developer message to the
// system prompt; only text is allowed there.
func appendSystem(system []anthropicwire.ContentBlock, m *gateway.Message, i int) ([]anthropicwire.ContentBlock, error) {
	if m.Content.Parts == nil {
		if text := m.Content.Text(); text != "" {
			system = append(system, anthropicwire.ContentBlock{Type: anthropicwire.BlockText, Text: text})
		}
		return system, nil
	}
	for j, p := range m.Content.Parts {
		if p.Type != "text" {
			return nil, gateway.Invalid("messages", "messages[%d].content[%d]: a %s message may only hold text", i, j, m.Role)
		}
		if p.Text != "" {
			system = append(system, anthropicwire.ContentBlock{Type: anthropicwire.BlockText, Text: p.Text})
		}
	}
	return system, nil
}

// userBlocks translates user (or tool result) content; at names it in
// errors. Empty text is dropped, as Anthropic refuses empty text blocks.
func userBlocks(c gateway.Content, at string) ([]anthropicwire.ContentBlock, error) {
	if c.Parts == nil {
		if text := c.Text(); text != "" {
			return []anthropicwire.ContentBlock{{Type: anthropicwire.BlockText, Text: text}}, nil
		}
		return nil, nil
	}
	var out []anthropicwire.ContentBlock
	for j, p := range c.Parts {
		switch p.Type {
		case "text":
			if p.Text != "" {
				out = append(out, anthropicwire.ContentBlock{Type: anthropicwire.BlockText, Text: p.Text})
			}
		case "image_url":
			if p.ImageURL == nil {
				return nil, gateway.Invalid("messages", "%s.content[%d].image_url is required", at, j)
			}
			src, err := imageSource(p.ImageURL.URL)
			if err != nil {
				return nil, gateway.Invalid("messages", "%s.content[%d].image_url: %s", at, j, err.Error())
			}
			out = append(out, anthropicwire.ContentBlock{Type: anthropicwire.BlockImage, Source: src})
		case "file":
			b, err := fileBlock(p)
			if err != nil {
				return nil, gateway.Invalid("messages", "%s.content[%d].file: %s", at, j, err.Error())
			}
			out = append(out, b)
		default:
			return nil, gateway.Invalid("messages", "%s.content[%d]: content of type %q is not supported by Anthropic", at, j, p.Type)
		}
	}
	return out, nil
}

// imageSource turns an image URL into a source: a data: URL into base64
// data with its media type, an http(s) URL into a url source.
func imageSource(u string) (*anthropicwire.Source, error) {
	if mediaType, data, ok := dataURL(u); ok {
		return &anthropicwire.Source{Type: "base64", MediaType: mediaType, Data: data}, nil
	}
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return &anthropicwire.Source{Type: "url", URL: u}, nil
	}
	return nil, fmt.Errorf("the URL must be an http(s) URL or a base64 data: URL")
}

// dataURL splits "data:<media type>;base64,<data>".
func dataURL(u string) (mediaType, data string, ok bool) {
	rest, ok := strings.CutPrefix(u, "data:")
	if !ok {
		return "", "", false
	}
	meta, data, ok := strings.Cut(rest, ",")
	if !ok {
		return "", "", false
	}
	mediaType, enc, _ := strings.Cut(meta, ";")
	if !strings.EqualFold(enc, "base64") || mediaType == "" {
		return "", "", false
	}
	return strings.ToLower(mediaType), data, true
}

// fileBlock turns an OpenAI file part with inline data (file.file_data, a
// data: URL) into a document block; a file_id cannot be carried over.
func fileBlock(p gateway.ContentPart) (anthropicwire.ContentBlock, error) {
	var f struct {
		FileData string `json:"file_data"`
		Filename string `json:"filename"`
	}
	if raw, ok := p.Extra["file"]; !ok || json.Unmarshal(raw, &f) != nil {
		return anthropicwire.ContentBlock{}, fmt.Errorf("file.file_data is required")
	}
	mediaType, data, ok := dataURL(f.FileData)
	if !ok {
		return anthropicwire.ContentBlock{}, fmt.Errorf("file.file_data must be a base64 data: URL")
	}
	b := anthropicwire.ContentBlock{Type: anthropicwire.BlockDocument, Title: f.Filename,
		Source: &anthropicwire.Source{Type: "base64", MediaType: mediaType, Data: data}}
	return b, nil
}

// assistantBlocks translates an assistant message: its text, then its
// tool calls as tool_use blocks.
func assistantBlocks(m *gateway.Message, i int) ([]anthropicwire.ContentBlock, error) {
	var out []anthropicwire.ContentBlock
	if m.Content.Parts == nil {
		if text := m.Content.Text(); text != "" {
			out = append(out, anthropicwire.ContentBlock{Type: anthropicwire.BlockText, Text: text})
		}
	} else {
		for j, p := range m.Content.Parts {
			switch p.Type {
			case "text":
				if p.Text != "" {
					out = append(out, anthropicwire.ContentBlock{Type: anthropicwire.BlockText, Text: p.Text})
				}
			case "refusal":
			default:
				return nil, gateway.Invalid("messages", "messages[%d].content[%d]: an assistant message may only hold text", i, j)
			}
		}
	}
	for j, tc := range m.ToolCalls {
		if tc.ID == "" || tc.Function.Name == "" {
			return nil, gateway.Invalid("messages", "messages[%d].tool_calls[%d] needs an id and a function name", i, j)
		}
		input := json.RawMessage(strings.TrimSpace(tc.Function.Arguments))
		if len(input) == 0 {
			input = json.RawMessage("{}")
		}
		var obj map[string]json.RawMessage
		if input[0] != '{' || json.Unmarshal(input, &obj) != nil {
			return nil, gateway.Invalid("messages", "messages[%d].tool_calls[%d].function.arguments must be a JSON object", i, j)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, input); err == nil {
			input = compact.Bytes()
		}
		out = append(out, anthropicwire.ContentBlock{Type: anthropicwire.BlockToolUse, ID: tc.ID, Name: tc.Function.Name, Input: input})
	}
	return out, nil
}

// toolResult translates a tool message into a tool_result block: string
// content stays a string, parts become text and image blocks.
func toolResult(m *gateway.Message, i int) (anthropicwire.ContentBlock, error) {
	if m.ToolCallID == "" {
		return anthropicwire.ContentBlock{}, gateway.Invalid("messages", "messages[%d].tool_call_id is required", i)
	}
	b := anthropicwire.ContentBlock{Type: anthropicwire.BlockToolResult, ToolUseID: m.ToolCallID}
	if m.Content.Parts == nil {
		b.Content = anthropicwire.TextContent(m.Content.Text())
		return b, nil
	}
	blocks, err := userBlocks(m.Content, fmt.Sprintf("messages[%d]", i))
	if err != nil {
		return b, err
	}
	if len(blocks) > 0 {
		b.Content = anthropicwire.BlocksContent(blocks...)
	}
	return b, nil
}
