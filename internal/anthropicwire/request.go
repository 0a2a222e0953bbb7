package anthropicwire

import "encoding/json"

// Roles of a Message.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Request is the body of POST /v1/messages. Top-level fields this package
// does not model (container, mcp_servers, output_config, ...) are kept in
// Extra and encoded after the known ones.
//
// MaxTokens is a pointer so that a request without it, which the API
// rejects, can be told from one asking for 0 (which only warms the cache).
type Request struct {
	Model         string      `json:"model"`
	Messages      []Message   `json:"messages"`
	System        Content     `json:"system,omitzero"`
	MaxTokens     *int        `json:"max_tokens,omitempty"`
	Metadata      *Metadata   `json:"metadata,omitempty"`
	StopSequences []string    `json:"stop_sequences,omitempty"`
	Stream        bool        `json:"stream,omitempty"`
	Temperature   *float64    `json:"temperature,omitempty"`
	TopP          *float64    `json:"top_p,omitempty"`
	TopK          *int        `json:"top_k,omitempty"`
	Tools         []Tool      `json:"tools,omitempty"`
	ToolChoice    *ToolChoice `json:"tool_choice,omitempty"`
	Thinking      *Thinking   `json:"thinking,omitempty"`
	ServiceTier   string      `json:"service_tier,omitempty"`
	Extra         Extra       `json:"-"`
}

type requestJSON Request

// UnmarshalJSON decodes the known fields and keeps the rest in Extra.
func (r *Request) UnmarshalJSON(data []byte) error {
	var v requestJSON
	extra, err := decodeExtra(data, &v)
	if err != nil {
		return err
	}
	*r = Request(v)
	r.Extra = extra
	return nil
}

// MarshalJSON encodes the known fields followed by Extra.
func (r Request) MarshalJSON() ([]byte, error) {
	v := requestJSON(r)
	return encodeExtra(&v, r.Extra)
}

// Message is one turn of the conversation: Role is user or assistant, and
// Content a string or blocks.
type Message struct {
	Role    string  `json:"role"`
	Content Content `json:"content"`
}

// Metadata describes the request; UserID is an opaque id of the end user.
type Metadata struct {
	UserID string `json:"user_id,omitempty"`
}

// Tool choice types.
const (
	ToolChoiceAuto = "auto"
	ToolChoiceAny  = "any"
	ToolChoiceTool = "tool"
	ToolChoiceNone = "none"
)

// ToolChoice says how the model may use tools: Type auto, any, tool (Name
// names it) or none. DisableParallelToolUse (not for none) makes it use at
// most one tool (exactly one with any and tool).
type ToolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse *bool  `json:"disable_parallel_tool_use,omitempty"`
}

// Thinking types.
const (
	ThinkingEnabled  = "enabled"
	ThinkingDisabled = "disabled"
	ThinkingAdaptive = "adaptive"
)

// Thinking configures extended thinking: Type enabled (BudgetTokens, at
// least 1024 and below max_tokens), disabled or adaptive. Display is
// "summarized" or "omitted" on the models that support it.
type Thinking struct {
	Type         string `json:"type"`
	BudgetTokens int    `json:"budget_tokens,omitempty"`
	Display      string `json:"display,omitempty"`
}

// ToolTypeCustom is the optional type of a custom tool.
const ToolTypeCustom = "custom"

// Tool is a tool the model may use. A custom tool (Type "" or "custom")
// has Name, Description and InputSchema (a JSON Schema object); its other
// fields (strict, eager_input_streaming, ...) are kept in Extra. Other
// types are Anthropic-defined tools (web_search_20250305, bash_20250124,
// ...): Type and Name are decoded and the whole tool is kept in Raw.
type Tool struct {
	Type         string
	Name         string
	Description  string
	InputSchema  json.RawMessage
	CacheControl *CacheControl
	Extra        Extra
	Raw          json.RawMessage
}

// IsCustom reports whether t is a custom (client-defined) tool.
func (t *Tool) IsCustom() bool { return t.Type == "" || t.Type == ToolTypeCustom }

type customTool struct {
	Type         string          `json:"type,omitempty"`
	Name         string          `json:"name"`
	Description  string          `json:"description,omitempty"`
	InputSchema  json.RawMessage `json:"input_schema"`
	CacheControl *CacheControl   `json:"cache_control,omitempty"`
}

// UnmarshalJSON decodes a custom tool, or keeps any other tool raw.
func (t *Tool) UnmarshalJSON(data []byte) error {
	var head struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return err
	}
	*t = Tool{Type: head.Type, Name: head.Name}
	if !t.IsCustom() {
		t.Raw = append(json.RawMessage(nil), data...)
		return nil
	}
	var v customTool
	extra, err := decodeExtra(data, &v)
	if err != nil {
		return err
	}
	t.Description, t.InputSchema, t.CacheControl, t.Extra = v.Description, v.InputSchema, v.CacheControl, extra
	return nil
}

// MarshalJSON writes a custom tool with its Extra, or another tool as it
// came.
func (t Tool) MarshalJSON() ([]byte, error) {
	if !t.IsCustom() && len(t.Raw) > 0 {
		return t.Raw, nil
	}
	schema := t.InputSchema
	if len(schema) == 0 {
		schema = json.RawMessage(`{"type":"object","properties":{}}`)
	}
	return encodeExtra(&customTool{t.Type, t.Name, t.Description, schema, t.CacheControl}, t.Extra)
}
