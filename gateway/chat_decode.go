package gateway

import (
	"encoding/json"
	"unicode/utf8"
)

// The fast paths below decode a chat request and its messages in one
// walk over the bytes. Through encoding/json, each level of custom
// UnmarshalJSON (request, message, content) validates and rescans its
// whole value again, so a message's text was scanned about eight times
// and decoding cost more CPU than anything else on the request path.
//
// A fast path accepts only what it can decode exactly as encoding/json
// and decodeExtra would: anything else (a duplicate or case-folded
// known name, a null, a value of the wrong type, invalid JSON) makes it
// give up with nothing written, and the slow path decodes from scratch
// and reports the error encoding/json would. Every value it does not
// decode itself goes through json.Unmarshal or json.Valid, and it
// checks the punctuation between values strictly, so it accepts only
// valid JSON.

// slowJSON turns the fast paths off, for the tests that check they
// agree with encoding/json.
var slowJSON = false

// chatFields are ChatRequest's JSON names, in field order (see
// walkFields).
var chatFields = [...]string{"model", "messages", "stream", "stream_options", "max_tokens",
	"max_completion_tokens", "temperature", "top_p", "n", "stop", "presence_penalty",
	"frequency_penalty", "seed", "user", "tools", "tool_choice", "parallel_tool_calls", "response_format"}

// messageFields are Message's JSON names, as chatFields.
var messageFields = [...]string{"role", "content", "name", "tool_calls", "tool_call_id", "refusal"}

// decodeChatRequest is ChatRequest.UnmarshalJSON's fast path.
func decodeChatRequest(data []byte, r *ChatRequest) bool {
	var v ChatRequest
	end, ok := walkFields(data, skipSpace(data, 0), chatFields[:], func(name, val []byte) bool {
		return addExtra(&v.Extra, name, val, chatFields[:])
	}, func(i int, val []byte) bool {
		switch i {
		case 0:
			return decodeString(val, &v.Model)
		case 1:
			var ok bool
			v.Messages, ok = decodeMessages(val)
			return ok
		case 2:
			return decodeBool(val, &v.Stream)
		case 4:
			return decodeInt(val, &v.MaxTokens)
		case 5:
			return decodeInt(val, &v.MaxCompletionTokens)
		case 6:
			return decodeFloat(val, &v.Temperature)
		case 7:
			return decodeFloat(val, &v.TopP)
		case 13:
			return decodeString(val, &v.User)
		}
		return json.Unmarshal(val, chatField(&v, i)) == nil
	})
	if !ok || skipSpace(data, end) != len(data) {
		return false
	}
	*r = v
	return true
}

// chatField returns a pointer to the field of r that chatFields[i]
// names, for those decodeChatRequest leaves to json.Unmarshal.
func chatField(r *ChatRequest, i int) any {
	switch i {
	case 3:
		return &r.StreamOptions
	case 8:
		return &r.N
	case 9:
		return &r.Stop
	case 10:
		return &r.PresencePenalty
	case 11:
		return &r.FrequencyPenalty
	case 12:
		return &r.Seed
	case 14:
		return &r.Tools
	case 15:
		return &r.ToolChoice
	case 16:
		return &r.ParallelToolCalls
	default:
		return &r.ResponseFormat
	}
}

// decodeMessages decodes a JSON array of messages.
func decodeMessages(val []byte) ([]Message, bool) {
	msgs := make([]Message, 0, 4)
	ok := walkArray(val, func(v []byte) bool {
		msgs = append(msgs, Message{})
		return decodeMessage(v, &msgs[len(msgs)-1])
	})
	if !ok {
		return nil, false
	}
	return msgs, true
}

// decodeMessage is Message.UnmarshalJSON's fast path; data is one JSON
// object, with no space around it.
func decodeMessage(data []byte, m *Message) bool {
	var v Message
	end, ok := walkFields(data, 0, messageFields[:], func(name, val []byte) bool {
		return addExtra(&v.Extra, name, val, messageFields[:])
	}, func(i int, val []byte) bool {
		switch i {
		case 0:
			return decodeString(val, &v.Role)
		case 1:
			if val[0] == '"' {
				v.Content.isStr = true
				return decodeString(val, &v.Content.str)
			}
			// Temporaries, so that v stays on the stack when the
			// message has no parts and no tool calls.
			var c Content
			err := json.Unmarshal(val, &c)
			v.Content = c
			return err == nil
		case 2:
			return decodeString(val, &v.Name)
		case 3:
			var calls []ToolCall
			err := json.Unmarshal(val, &calls)
			v.ToolCalls = calls
			return err == nil
		case 4:
			return decodeString(val, &v.ToolCallID)
		default:
			return decodeString(val, &v.Refusal)
		}
	})
	if !ok || end != len(data) {
		return false
	}
	*m = v
	return true
}

// fieldIndex returns the index of name in names, or -1.
func fieldIndex(name []byte, names []string) int {
	for i, n := range names {
		if string(name) == n {
			return i
		}
	}
	return -1
}

// addExtra keeps a member no field takes, as unknownFields does, unless
// encoding/json would give it to a field: its case-insensitive match of
// names applies to names outside ASCII too, which the fast path leaves
// to the slow one.
func addExtra(extra *Extra, name, val []byte, names []string) bool {
	for _, c := range name {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	for _, n := range names {
		if equalFoldASCII(name, n) {
			return false
		}
	}
	if !json.Valid(val) {
		return false
	}
	if *extra == nil {
		*extra = make(Extra)
	}
	(*extra)[string(name)] = append(json.RawMessage(nil), val...)
	return true
}

func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// objectName returns a member name as encoding/json reads it.
func objectName(raw []byte) ([]byte, bool) {
	if s, ok := plainString(raw); ok {
		return s, true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, false
	}
	return []byte(s), true
}
