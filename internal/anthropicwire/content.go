package anthropicwire

import (
	"encoding/json"
	"strings"
)

// Content block types.
const (
	BlockText             = "text"
	BlockImage            = "image"
	BlockDocument         = "document"
	BlockToolUse          = "tool_use"
	BlockToolResult       = "tool_result"
	BlockThinking         = "thinking"
	BlockRedactedThinking = "redacted_thinking"
)

// Content is a message's content, a system prompt or a tool result's
// content: a string, or a list of blocks. Blocks non-nil means the list
// form (even when empty); otherwise Text is the string form. The zero
// Content is the empty string, which fields that may be absent (system,
// tool_result content) omit.
type Content struct {
	Text   string
	Blocks []ContentBlock
}

// TextContent returns a string Content.
func TextContent(s string) Content { return Content{Text: s} }

// BlocksContent returns a list Content; with no blocks it is the empty
// list, not the empty string.
func BlocksContent(blocks ...ContentBlock) Content {
	if blocks == nil {
		blocks = []ContentBlock{}
	}
	return Content{Blocks: blocks}
}

// IsZero reports whether c is the empty string, for omitzero.
func (c Content) IsZero() bool { return c.Blocks == nil && c.Text == "" }

// AsBlocks returns the content as a list of blocks: a string becomes one
// text block (none if it is empty), as the API reads it.
func (c Content) AsBlocks() []ContentBlock {
	if c.Blocks != nil {
		return c.Blocks
	}
	if c.Text == "" {
		return nil
	}
	return []ContentBlock{{Type: BlockText, Text: c.Text}}
}

// PlainText returns the string content, or the text blocks joined by sep.
func (c Content) PlainText(sep string) string {
	if c.Blocks == nil {
		return c.Text
	}
	var b strings.Builder
	n := 0
	for _, bl := range c.Blocks {
		if bl.Type != BlockText {
			continue
		}
		if n > 0 {
			b.WriteString(sep)
		}
		b.WriteString(bl.Text)
		n++
	}
	return b.String()
}

// UnmarshalJSON accepts a string, an array of blocks, or null (the zero
// Content).
func (c *Content) UnmarshalJSON(data []byte) error {
	*c = Content{}
	switch {
	case len(data) == 0 || string(data) == "null":
		return nil
	case data[0] == '"':
		return json.Unmarshal(data, &c.Text)
	default:
		c.Blocks = []ContentBlock{}
		return json.Unmarshal(data, &c.Blocks)
	}
}

// MarshalJSON writes the list form if Blocks is non-nil, else the string.
func (c Content) MarshalJSON() ([]byte, error) {
	if c.Blocks != nil {
		return json.Marshal(c.Blocks)
	}
	return json.Marshal(c.Text)
}

// CacheControl marks a prompt-cache breakpoint at a block, tool or system
// prompt part. Type is "ephemeral"; TTL "5m" (the default) or "1h".
type CacheControl struct {
	Type string `json:"type"`
	TTL  string `json:"ttl,omitempty"`
}

// Source is where an image or document comes from. Type "base64" (Data
// and MediaType: "image/jpeg", "image/png", "image/gif", "image/webp",
// "application/pdf"), "url" (URL), "text" (Data, MediaType "text/plain"),
// "content" (Content: a string or blocks, kept raw) or "file" (FileID).
type Source struct {
	Type      string          `json:"type"`
	MediaType string          `json:"media_type,omitempty"`
	Data      string          `json:"data,omitempty"`
	URL       string          `json:"url,omitempty"`
	FileID    string          `json:"file_id,omitempty"`
	Content   json.RawMessage `json:"content,omitempty"`
}

// ContentBlock is one block of a message's content. Which fields apply
// depends on Type:
//
//   - text: Text, Citations (the citations array, kept raw);
//   - image: Source;
//   - document: Source, Title, Context, Citations (the {"enabled":bool}
//     configuration, kept raw);
//   - tool_use: ID, Name, Input (a JSON object);
//   - tool_result: ToolUseID, Content (a string or blocks), IsError;
//   - thinking: Thinking, Signature;
//   - redacted_thinking: Data.
//
// CacheControl applies to every type but thinking; Extra keeps the fields
// of a known type this package does not model. A block of any other type
// (server_tool_use, web_search_tool_result, ...) is kept whole in Raw and
// written back from it; only Type is decoded.
type ContentBlock struct {
	Type string

	Text      string
	Citations json.RawMessage

	Source  *Source
	Title   string
	Context string

	ID    string
	Name  string
	Input json.RawMessage

	ToolUseID string
	Content   Content
	IsError   bool

	Thinking  string
	Signature string

	Data string

	CacheControl *CacheControl
	Extra        Extra
	Raw          json.RawMessage
}

// The shadow structs give each block type its exact JSON shape: the fields
// the API always writes have no omitempty.
type (
	textBlock struct {
		Type         string          `json:"type"`
		Text         string          `json:"text"`
		Citations    json.RawMessage `json:"citations,omitempty"`
		CacheControl *CacheControl   `json:"cache_control,omitempty"`
	}
	imageBlock struct {
		Type         string        `json:"type"`
		Source       *Source       `json:"source"`
		CacheControl *CacheControl `json:"cache_control,omitempty"`
	}
	documentBlock struct {
		Type         string          `json:"type"`
		Source       *Source         `json:"source"`
		Title        string          `json:"title,omitempty"`
		Context      string          `json:"context,omitempty"`
		Citations    json.RawMessage `json:"citations,omitempty"`
		CacheControl *CacheControl   `json:"cache_control,omitempty"`
	}
	toolUseBlock struct {
		Type         string          `json:"type"`
		ID           string          `json:"id"`
		Name         string          `json:"name"`
		Input        json.RawMessage `json:"input"`
		CacheControl *CacheControl   `json:"cache_control,omitempty"`
	}
	toolResultBlock struct {
		Type         string        `json:"type"`
		ToolUseID    string        `json:"tool_use_id"`
		Content      Content       `json:"content,omitzero"`
		IsError      bool          `json:"is_error,omitempty"`
		CacheControl *CacheControl `json:"cache_control,omitempty"`
	}
	thinkingBlock struct {
		Type      string `json:"type"`
		Thinking  string `json:"thinking"`
		Signature string `json:"signature"`
	}
	redactedThinkingBlock struct {
		Type         string        `json:"type"`
		Data         string        `json:"data"`
		CacheControl *CacheControl `json:"cache_control,omitempty"`
	}
)

var emptyObject = json.RawMessage("{}")

// UnmarshalJSON decodes a block of any type; see ContentBlock.
func (b *ContentBlock) UnmarshalJSON(data []byte) error {
	typ, err := peekType(data)
	if err != nil {
		return err
	}
	*b = ContentBlock{Type: typ}
	switch typ {
	case BlockText:
		var v textBlock
		b.Extra, err = decodeExtra(data, &v)
		b.Text, b.Citations, b.CacheControl = v.Text, v.Citations, v.CacheControl
	case BlockImage:
		var v imageBlock
		b.Extra, err = decodeExtra(data, &v)
		b.Source, b.CacheControl = v.Source, v.CacheControl
	case BlockDocument:
		var v documentBlock
		b.Extra, err = decodeExtra(data, &v)
		b.Source, b.Title, b.Context, b.Citations, b.CacheControl = v.Source, v.Title, v.Context, v.Citations, v.CacheControl
	case BlockToolUse:
		var v toolUseBlock
		b.Extra, err = decodeExtra(data, &v)
		b.ID, b.Name, b.Input, b.CacheControl = v.ID, v.Name, v.Input, v.CacheControl
	case BlockToolResult:
		var v toolResultBlock
		b.Extra, err = decodeExtra(data, &v)
		b.ToolUseID, b.Content, b.IsError, b.CacheControl = v.ToolUseID, v.Content, v.IsError, v.CacheControl
	case BlockThinking:
		var v thinkingBlock
		b.Extra, err = decodeExtra(data, &v)
		b.Thinking, b.Signature = v.Thinking, v.Signature
	case BlockRedactedThinking:
		var v redactedThinkingBlock
		b.Extra, err = decodeExtra(data, &v)
		b.Data, b.CacheControl = v.Data, v.CacheControl
	default:
		b.Raw = append(json.RawMessage(nil), data...)
	}
	return err
}

// MarshalJSON writes the block in its type's shape, followed by Extra; a
// block kept raw is written as it came.
func (b ContentBlock) MarshalJSON() ([]byte, error) {
	switch b.Type {
	case BlockText:
		return encodeExtra(&textBlock{b.Type, b.Text, b.Citations, b.CacheControl}, b.Extra)
	case BlockImage:
		return encodeExtra(&imageBlock{b.Type, b.Source, b.CacheControl}, b.Extra)
	case BlockDocument:
		return encodeExtra(&documentBlock{b.Type, b.Source, b.Title, b.Context, b.Citations, b.CacheControl}, b.Extra)
	case BlockToolUse:
		input := b.Input
		if len(input) == 0 {
			input = emptyObject
		}
		return encodeExtra(&toolUseBlock{b.Type, b.ID, b.Name, input, b.CacheControl}, b.Extra)
	case BlockToolResult:
		return encodeExtra(&toolResultBlock{b.Type, b.ToolUseID, b.Content, b.IsError, b.CacheControl}, b.Extra)
	case BlockThinking:
		return encodeExtra(&thinkingBlock{b.Type, b.Thinking, b.Signature}, b.Extra)
	case BlockRedactedThinking:
		return encodeExtra(&redactedThinkingBlock{b.Type, b.Data, b.CacheControl}, b.Extra)
	}
	if len(b.Raw) > 0 {
		return b.Raw, nil
	}
	return encodeExtra(&struct {
		Type string `json:"type"`
	}{b.Type}, b.Extra)
}
