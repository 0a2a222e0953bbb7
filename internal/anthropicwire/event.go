package anthropicwire

import (
	"encoding/json"
	"strings"
)

// Stream event types: the "event:" name of each server-sent event and the
// "type" of its data.
const (
	EventMessageStart      = "message_start"
	EventContentBlockStart = "content_block_start"
	EventContentBlockDelta = "content_block_delta"
	EventContentBlockStop  = "content_block_stop"
	EventMessageDelta      = "message_delta"
	EventMessageStop       = "message_stop"
	EventPing              = "ping"
	EventError             = "error"
)

// Delta types of a content_block_delta event.
const (
	DeltaText      = "text_delta"
	DeltaInputJSON = "input_json_delta"
	DeltaThinking  = "thinking_delta"
	DeltaSignature = "signature_delta"
	DeltaCitations = "citations_delta"
)

// Event is the data of one server-sent event of a streamed message. Which
// fields apply depends on Type:
//
//   - message_start: Message;
//   - content_block_start: Index, ContentBlock (empty: a text block with
//     text "", a tool_use block with input {});
//   - content_block_delta: Index, Delta (with a Type);
//   - content_block_stop: Index;
//   - message_delta: Delta (StopReason, StopSequence), Usage;
//   - message_stop, ping: nothing;
//   - error: Error (and RequestID when the API gives one).
//
// It encodes in its type's exact shape, so a writer sets only what the
// type needs. Index is the block's position in the message's content.
type Event struct {
	Type         string
	Message      *Response
	Index        int
	ContentBlock *ContentBlock
	Delta        *Delta
	Usage        *DeltaUsage
	Error        *ErrorDetail
	RequestID    string
}

// eventJSON decodes any event.
type eventJSON struct {
	Type         string        `json:"type"`
	Message      *Response     `json:"message"`
	Index        int           `json:"index"`
	ContentBlock *ContentBlock `json:"content_block"`
	Delta        *Delta        `json:"delta"`
	Usage        *DeltaUsage   `json:"usage"`
	Error        *ErrorDetail  `json:"error"`
	RequestID    string        `json:"request_id"`
}

// UnmarshalJSON decodes an event of any type.
func (e *Event) UnmarshalJSON(data []byte) error {
	var v eventJSON
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*e = Event(v)
	return nil
}

// MarshalJSON writes the fields of e's type, in the API's order.
func (e Event) MarshalJSON() ([]byte, error) {
	switch e.Type {
	case EventMessageStart:
		return json.Marshal(struct {
			Type    string    `json:"type"`
			Message *Response `json:"message"`
		}{e.Type, e.Message})
	case EventContentBlockStart:
		return json.Marshal(struct {
			Type         string        `json:"type"`
			Index        int           `json:"index"`
			ContentBlock *ContentBlock `json:"content_block"`
		}{e.Type, e.Index, e.ContentBlock})
	case EventContentBlockDelta:
		return json.Marshal(struct {
			Type  string `json:"type"`
			Index int    `json:"index"`
			Delta *Delta `json:"delta"`
		}{e.Type, e.Index, e.Delta})
	case EventContentBlockStop:
		return json.Marshal(struct {
			Type  string `json:"type"`
			Index int    `json:"index"`
		}{e.Type, e.Index})
	case EventMessageDelta:
		usage := e.Usage
		if usage == nil {
			usage = &DeltaUsage{}
		}
		delta := e.Delta
		if delta == nil {
			delta = &Delta{}
		}
		return json.Marshal(struct {
			Type  string      `json:"type"`
			Delta *Delta      `json:"delta"`
			Usage *DeltaUsage `json:"usage"`
		}{e.Type, delta, usage})
	case EventError:
		return json.Marshal(ErrorResponse{Type: e.Type, Error: derefError(e.Error), RequestID: e.RequestID})
	}
	return json.Marshal(struct {
		Type string `json:"type"`
	}{e.Type})
}

func derefError(e *ErrorDetail) ErrorDetail {
	if e == nil {
		return ErrorDetail{}
	}
	return *e
}

// Delta is the change a content_block_delta (Type set) or message_delta
// (Type empty) event carries:
//
//   - text_delta: Text;
//   - input_json_delta: PartialJSON, a fragment of the tool input's JSON;
//   - thinking_delta: Thinking;
//   - signature_delta: Signature;
//   - citations_delta: Citation (one citation, kept raw);
//   - message_delta: StopReason, StopSequence, and in Extra what else the
//     API sends there (stop_details, container).
type Delta struct {
	Type         string
	Text         string
	PartialJSON  string
	Thinking     string
	Signature    string
	Citation     json.RawMessage
	StopReason   StopReason
	StopSequence NullString
	Extra        Extra
}

// deltaJSON decodes any delta; Extra is what it does not know.
type deltaJSON struct {
	Type         string          `json:"type"`
	Text         string          `json:"text"`
	PartialJSON  string          `json:"partial_json"`
	Thinking     string          `json:"thinking"`
	Signature    string          `json:"signature"`
	Citation     json.RawMessage `json:"citation"`
	StopReason   StopReason      `json:"stop_reason"`
	StopSequence NullString      `json:"stop_sequence"`
	Extra        Extra           `json:"-"`
}

// UnmarshalJSON decodes a delta of any type and keeps unknown fields in
// Extra.
func (d *Delta) UnmarshalJSON(data []byte) error {
	var v deltaJSON
	extra, err := decodeExtra(data, &v)
	if err != nil {
		return err
	}
	v.Extra = extra
	*d = Delta(v)
	return nil
}

// MarshalJSON writes the fields of d's type followed by Extra.
func (d Delta) MarshalJSON() ([]byte, error) {
	switch d.Type {
	case "":
		return encodeExtra(&struct {
			StopReason   StopReason `json:"stop_reason"`
			StopSequence NullString `json:"stop_sequence"`
		}{d.StopReason, d.StopSequence}, d.Extra)
	case DeltaText:
		return encodeExtra(&struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}{d.Type, d.Text}, d.Extra)
	case DeltaInputJSON:
		return encodeExtra(&struct {
			Type        string `json:"type"`
			PartialJSON string `json:"partial_json"`
		}{d.Type, d.PartialJSON}, d.Extra)
	case DeltaThinking:
		return encodeExtra(&struct {
			Type     string `json:"type"`
			Thinking string `json:"thinking"`
		}{d.Type, d.Thinking}, d.Extra)
	case DeltaSignature:
		return encodeExtra(&struct {
			Type      string `json:"type"`
			Signature string `json:"signature"`
		}{d.Type, d.Signature}, d.Extra)
	case DeltaCitations:
		return encodeExtra(&struct {
			Type     string          `json:"type"`
			Citation json.RawMessage `json:"citation"`
		}{d.Type, d.Citation}, d.Extra)
	}
	return encodeExtra(&struct {
		Type        string          `json:"type"`
		Text        string          `json:"text,omitempty"`
		PartialJSON string          `json:"partial_json,omitempty"`
		Thinking    string          `json:"thinking,omitempty"`
		Signature   string          `json:"signature,omitempty"`
		Citation    json.RawMessage `json:"citation,omitempty"`
	}{d.Type, d.Text, d.PartialJSON, d.Thinking, d.Signature, d.Citation}, d.Extra)
}

// AppendSSE appends e as a server-sent event in the API's framing,
// "event: <type>\ndata: <json>\n\n", to b.
func AppendSSE(b []byte, e *Event) ([]byte, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return b, err
	}
	typ := strings.NewReplacer("\r", "", "\n", "").Replace(e.Type)
	b = append(b, "event: "...)
	b = append(b, typ...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...), nil
}
