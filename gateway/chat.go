package gateway

import (
	"encoding/json"
	"strings"
)

// ChatRequest is the canonical chat request, modelled on the OpenAI Chat
// Completions schema. Fields Tollgate does not model are kept in Extra and
// sent upstream unchanged.
type ChatRequest struct {
	Model               string          `json:"model"`
	Messages            []Message       `json:"messages"`
	Stream              bool            `json:"stream,omitempty"`
	StreamOptions       *StreamOptions  `json:"stream_options,omitempty"`
	MaxTokens           *int            `json:"max_tokens,omitempty"`
	MaxCompletionTokens *int            `json:"max_completion_tokens,omitempty"`
	Temperature         *float64        `json:"temperature,omitempty"`
	TopP                *float64        `json:"top_p,omitempty"`
	N                   *int            `json:"n,omitempty"`
	Stop                Stop            `json:"stop,omitempty"`
	PresencePenalty     *float64        `json:"presence_penalty,omitempty"`
	FrequencyPenalty    *float64        `json:"frequency_penalty,omitempty"`
	Seed                *int64          `json:"seed,omitempty"`
	User                string          `json:"user,omitempty"`
	Tools               []Tool          `json:"tools,omitempty"`
	ToolChoice          *ToolChoice     `json:"tool_choice,omitempty"`
	ParallelToolCalls   *bool           `json:"parallel_tool_calls,omitempty"`
	ResponseFormat      *ResponseFormat `json:"response_format,omitempty"`
	Extra               Extra           `json:"-"`
}

type chatRequestJSON ChatRequest

// UnmarshalJSON decodes the known fields and keeps the rest in Extra.
func (r *ChatRequest) UnmarshalJSON(data []byte) error {
	if !slowJSON && decodeChatRequest(data, r) {
		return nil
	}
	var v chatRequestJSON
	extra, err := decodeExtra(data, &v)
	if err != nil {
		return err
	}
	*r = ChatRequest(v)
	r.Extra = extra
	return nil
}

// MarshalJSON encodes the known fields followed by Extra, compact and
// HTML-escaped as json.Marshal would make it.
func (r ChatRequest) MarshalJSON() ([]byte, error) {
	if !slowJSON {
		if b, ok := appendChatRequest(make([]byte, 0, encodedSize(&r)), &r); ok {
			return b, nil
		}
	}
	v := chatRequestJSON(r)
	b, err := encodeExtra(&v, r.Extra)
	if err != nil {
		return nil, err
	}
	// As the fast path's, the output is what json.Marshal makes of it,
	// so that callers may send it without that pass: the same bytes, or
	// the error json.Marshal would report.
	return compactHTML(b)
}

// Validate reports the first field at fault as a CodeInvalid error.
func (r *ChatRequest) Validate() error {
	if r.Model == "" {
		return Invalid("model", "model is required")
	}
	if len(r.Messages) == 0 {
		return Invalid("messages", "messages must not be empty")
	}
	for i := range r.Messages {
		if r.Messages[i].Role == "" {
			return Invalid("messages", "messages[%d].role is required", i)
		}
	}
	if r.N != nil && (*r.N < 1 || *r.N > 128) {
		return Invalid("n", "n must be between 1 and 128")
	}
	for i, t := range r.Tools {
		if t.Function.Name == "" {
			return Invalid("tools", "tools[%d].function.name is required", i)
		}
	}
	return nil
}

// WantsUsageInStream reports whether the client asked for a final usage
// chunk in a stream.
func (r *ChatRequest) WantsUsageInStream() bool {
	return r.StreamOptions != nil && r.StreamOptions.IncludeUsage
}

// StreamOptions are the options of a streamed request.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// Stop is the stop parameter: one string or a list; it always encodes as
// a list.
type Stop []string

// UnmarshalJSON accepts a string or an array of strings.
func (s *Stop) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var one string
		if err := json.Unmarshal(data, &one); err != nil {
			return err
		}
		*s = Stop{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// Message is one turn of a conversation.
type Message struct {
	Role       string     `json:"role"`
	Content    Content    `json:"content"`
	Name       string     `json:"name,omitempty"`
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
	Refusal    string     `json:"refusal,omitempty"`
	Extra      Extra      `json:"-"`
}

type messageJSON Message

// UnmarshalJSON decodes the known fields and keeps the rest in Extra.
func (m *Message) UnmarshalJSON(data []byte) error {
	if i := skipSpace(data, 0); !slowJSON && i < len(data) && decodeMessage(data[i:skipSpaceBack(data)], m) {
		return nil
	}
	var v messageJSON
	extra, err := decodeExtra(data, &v)
	if err != nil {
		return err
	}
	*m = Message(v)
	m.Extra = extra
	return nil
}

// MarshalJSON encodes the known fields followed by Extra.
func (m Message) MarshalJSON() ([]byte, error) {
	if !slowJSON {
		if b, ok := appendMessage(make([]byte, 0, 64+len(m.Content.str)+len(m.Content.str)/16), &m); ok {
			return b, nil
		}
	}
	v := messageJSON(m)
	return encodeExtra(&v, m.Extra)
}

// ToolCall is a call the model asks for. Index is set only in stream
// deltas, where it says which call a fragment belongs to.
type ToolCall struct {
	Index    *int         `json:"index,omitempty"`
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"`
	Function FunctionCall `json:"function"`
}

// FunctionCall names a function and carries its JSON arguments as text.
type FunctionCall struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

// Tool is a function the model may call.
type Tool struct {
	Type     string   `json:"type"`
	Function Function `json:"function"`
}

// Function describes a callable function; Parameters is a JSON Schema.
type Function struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// ToolChoice is "none", "auto", "required", or a named function. Forms it
// does not model are kept as they came.
type ToolChoice struct {
	Mode     string // none, auto, required, or function
	Function string // the function's name when Mode is function
	raw      json.RawMessage
}

// UnmarshalJSON accepts the string and the object forms.
func (c *ToolChoice) UnmarshalJSON(data []byte) error {
	*c = ToolChoice{raw: append(json.RawMessage(nil), data...)}
	if len(data) > 0 && data[0] == '"' {
		return json.Unmarshal(data, &c.Mode)
	}
	var obj struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return err
	}
	c.Mode, c.Function = obj.Type, obj.Function.Name
	return nil
}

// MarshalJSON returns the form it was decoded from, or the canonical form.
func (c ToolChoice) MarshalJSON() ([]byte, error) {
	if c.raw != nil {
		return c.raw, nil
	}
	if c.Mode == "function" {
		return json.Marshal(map[string]any{"type": "function", "function": map[string]string{"name": c.Function}})
	}
	return json.Marshal(c.Mode)
}

// ResponseFormat asks for text, a JSON object, or JSON matching a schema.
type ResponseFormat struct {
	Type       string          `json:"type"`
	JSONSchema json.RawMessage `json:"json_schema,omitempty"`
}

// ChatResponse is a whole chat completion.
type ChatResponse struct {
	ID                string   `json:"id"`
	Object            string   `json:"object"`
	Created           int64    `json:"created"`
	Model             string   `json:"model"`
	Choices           []Choice `json:"choices"`
	Usage             *Usage   `json:"usage,omitempty"`
	SystemFingerprint string   `json:"system_fingerprint,omitempty"`
	ServiceTier       string   `json:"service_tier,omitempty"`
}

// Choice is one completion of a ChatResponse.
type Choice struct {
	Index        int             `json:"index"`
	Message      Message         `json:"message"`
	FinishReason string          `json:"finish_reason"`
	Logprobs     json.RawMessage `json:"logprobs"`
}

// ChatChunk is one event of a streamed chat completion. The last chunk of
// a stream whose request asked for usage has no choices and a Usage.
type ChatChunk struct {
	ID                string        `json:"id"`
	Object            string        `json:"object"`
	Created           int64         `json:"created"`
	Model             string        `json:"model"`
	Choices           []ChunkChoice `json:"choices"`
	Usage             *Usage        `json:"usage,omitempty"`
	SystemFingerprint string        `json:"system_fingerprint,omitempty"`

	wire []byte // see Wire
}

// ChunkChoice is the delta of one choice in a ChatChunk.
type ChunkChoice struct {
	Index        int             `json:"index"`
	Delta        Delta           `json:"delta"`
	FinishReason string          `json:"finish_reason,omitempty"`
	Logprobs     json.RawMessage `json:"logprobs,omitempty"`
}

// Delta is what a chunk adds to a choice's message.
type Delta struct {
	Role      string     `json:"role,omitempty"`
	Content   string     `json:"content,omitempty"`
	Refusal   string     `json:"refusal,omitempty"`
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
}

// promptText returns the text of every message, for estimates.
func (r *ChatRequest) promptText() string {
	var b strings.Builder
	for i := range r.Messages {
		b.WriteString(r.Messages[i].Content.Text())
		b.WriteByte('\n')
	}
	return b.String()
}
