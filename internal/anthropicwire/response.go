package anthropicwire

import (
	"encoding/json"
	"time"
)

// StopReason says why the model stopped. It encodes as null when empty, as
// in a message_start event.
type StopReason string

// Stop reasons.
const (
	StopEndTurn                    StopReason = "end_turn"
	StopMaxTokens                  StopReason = "max_tokens"
	StopSequence                   StopReason = "stop_sequence"
	StopToolUse                    StopReason = "tool_use"
	StopPauseTurn                  StopReason = "pause_turn"
	StopRefusal                    StopReason = "refusal"
	StopModelContextWindowExceeded StopReason = "model_context_window_exceeded"
)

// MarshalJSON writes null for the empty StopReason.
func (s StopReason) MarshalJSON() ([]byte, error) { return nullString(string(s)) }

// NullString is a string that encodes as null when empty, for the fields
// the API sends as null when unset (stop_sequence, first_id).
type NullString string

// MarshalJSON writes null for the empty NullString.
func (s NullString) MarshalJSON() ([]byte, error) { return nullString(string(s)) }

func nullString(s string) ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	return json.Marshal(s)
}

// Response is a Message as the API returns it: the body of a
// non-streaming POST /v1/messages, and the message of a message_start
// event (with no content yet, a null stop_reason and the usage so far).
// Fields it does not model (container, stop_details, ...) are kept in
// Extra.
type Response struct {
	ID           string         `json:"id"`
	Type         string         `json:"type"` // "message"
	Role         string         `json:"role"` // "assistant"
	Model        string         `json:"model"`
	Content      []ContentBlock `json:"content"`
	StopReason   StopReason     `json:"stop_reason"`
	StopSequence NullString     `json:"stop_sequence"`
	Usage        Usage          `json:"usage"`
	Extra        Extra          `json:"-"`
}

type responseJSON Response

// UnmarshalJSON decodes the known fields and keeps the rest in Extra.
func (r *Response) UnmarshalJSON(data []byte) error {
	var v responseJSON
	extra, err := decodeExtra(data, &v)
	if err != nil {
		return err
	}
	*r = Response(v)
	r.Extra = extra
	return nil
}

// MarshalJSON encodes the known fields followed by Extra; nil Content is
// written as [].
func (r Response) MarshalJSON() ([]byte, error) {
	v := responseJSON(r)
	if v.Content == nil {
		v.Content = []ContentBlock{}
	}
	return encodeExtra(&v, r.Extra)
}

// Usage is the token count of a message. The whole prompt is InputTokens
// + CacheCreationInputTokens + CacheReadInputTokens. Extra keeps the rest
// (cache_creation by TTL, server_tool_use, inference_geo, ...).
type Usage struct {
	InputTokens              int    `json:"input_tokens"`
	CacheCreationInputTokens int    `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int    `json:"cache_read_input_tokens"`
	OutputTokens             int    `json:"output_tokens"`
	ServiceTier              string `json:"service_tier,omitempty"`
	Extra                    Extra  `json:"-"`
}

type usageJSON Usage

// UnmarshalJSON decodes the known fields (null counts as 0) and keeps the
// rest in Extra.
func (u *Usage) UnmarshalJSON(data []byte) error {
	var v usageJSON
	extra, err := decodeExtra(data, &v)
	if err != nil {
		return err
	}
	*u = Usage(v)
	u.Extra = extra
	return nil
}

// MarshalJSON encodes the known fields followed by Extra.
func (u Usage) MarshalJSON() ([]byte, error) {
	v := usageJSON(u)
	return encodeExtra(&v, u.Extra)
}

// Update applies a message_delta's usage: its counts are cumulative totals
// for the whole message, so each one given replaces the current value;
// the input counts are optional and keep message_start's when absent.
func (u *Usage) Update(d *DeltaUsage) {
	if d == nil {
		return
	}
	u.OutputTokens = d.OutputTokens
	if d.InputTokens != nil {
		u.InputTokens = *d.InputTokens
	}
	if d.CacheCreationInputTokens != nil {
		u.CacheCreationInputTokens = *d.CacheCreationInputTokens
	}
	if d.CacheReadInputTokens != nil {
		u.CacheReadInputTokens = *d.CacheReadInputTokens
	}
}

// DeltaUsage is the usage of a message_delta event: cumulative totals,
// where only output_tokens is always present.
type DeltaUsage struct {
	InputTokens              *int  `json:"input_tokens,omitempty"`
	CacheCreationInputTokens *int  `json:"cache_creation_input_tokens,omitempty"`
	CacheReadInputTokens     *int  `json:"cache_read_input_tokens,omitempty"`
	OutputTokens             int   `json:"output_tokens"`
	Extra                    Extra `json:"-"`
}

type deltaUsageJSON DeltaUsage

// UnmarshalJSON decodes the known fields and keeps the rest in Extra.
func (u *DeltaUsage) UnmarshalJSON(data []byte) error {
	var v deltaUsageJSON
	extra, err := decodeExtra(data, &v)
	if err != nil {
		return err
	}
	*u = DeltaUsage(v)
	u.Extra = extra
	return nil
}

// MarshalJSON encodes the known fields followed by Extra.
func (u DeltaUsage) MarshalJSON() ([]byte, error) {
	v := deltaUsageJSON(u)
	return encodeExtra(&v, u.Extra)
}

// ModelInfo is an entry of GET /v1/models. Extra keeps the rest
// (capabilities, max_tokens, ...).
type ModelInfo struct {
	Type        string    `json:"type"` // "model"
	ID          string    `json:"id"`
	DisplayName string    `json:"display_name"`
	CreatedAt   time.Time `json:"created_at"`
	Extra       Extra     `json:"-"`
}

type modelInfoJSON ModelInfo

// UnmarshalJSON decodes the known fields and keeps the rest in Extra.
func (m *ModelInfo) UnmarshalJSON(data []byte) error {
	var v modelInfoJSON
	extra, err := decodeExtra(data, &v)
	if err != nil {
		return err
	}
	*m = ModelInfo(v)
	m.Extra = extra
	return nil
}

// MarshalJSON encodes the known fields followed by Extra.
func (m ModelInfo) MarshalJSON() ([]byte, error) {
	v := modelInfoJSON(m)
	return encodeExtra(&v, m.Extra)
}

// ModelList is a page of GET /v1/models; when HasMore, the next page is
// asked for with after_id=LastID.
type ModelList struct {
	Data    []ModelInfo `json:"data"`
	HasMore bool        `json:"has_more"`
	FirstID NullString  `json:"first_id"`
	LastID  NullString  `json:"last_id"`
}

// TokenCount is the response of POST /v1/messages/count_tokens.
type TokenCount struct {
	InputTokens int `json:"input_tokens"`
}
