package gateway

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendChatRequest appends r as json.Marshal encodes it, byte for
// byte, and reports false (with what it appended undefined) where it
// would fail. Through encoding/json each level of MarshalJSON
// (request, message, content) was encoded by reflection and then
// compacted again by every level above it. The output is compact and
// HTML-escaped as json.Marshal's is: Extra's values, kept as the client
// sent them, are compacted and escaped here, which json.Marshal would
// otherwise do over the whole document.
func appendChatRequest(b []byte, r *ChatRequest) ([]byte, bool) {
	b = append(b, `{"model":`...)
	b = appendJSONString(b, r.Model)
	b = append(b, `,"messages":`...)
	b, ok := appendArray(b, r.Messages, appendMessage)
	if !ok {
		return b, false
	}
	if r.Stream {
		b = append(b, `,"stream":true`...)
	}
	b, ok = appendMarshaled(b, ok, `,"stream_options":`, r.StreamOptions, r.StreamOptions != nil)
	b = appendInt(b, `,"max_tokens":`, r.MaxTokens)
	b = appendInt(b, `,"max_completion_tokens":`, r.MaxCompletionTokens)
	b, ok = appendFloat(b, ok, `,"temperature":`, r.Temperature)
	b, ok = appendFloat(b, ok, `,"top_p":`, r.TopP)
	b = appendInt(b, `,"n":`, r.N)
	if len(r.Stop) > 0 {
		b = append(b, `,"stop":[`...)
		for i, s := range r.Stop {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		b = append(b, ']')
	}
	b, ok = appendFloat(b, ok, `,"presence_penalty":`, r.PresencePenalty)
	b, ok = appendFloat(b, ok, `,"frequency_penalty":`, r.FrequencyPenalty)
	if r.Seed != nil {
		b = append(b, `,"seed":`...)
		b = strconv.AppendInt(b, *r.Seed, 10)
	}
	if r.User != "" {
		b = append(b, `,"user":`...)
		b = appendJSONString(b, r.User)
	}
	b, ok = appendMarshaled(b, ok, `,"tools":`, r.Tools, len(r.Tools) > 0)
	b, ok = appendMarshaled(b, ok, `,"tool_choice":`, r.ToolChoice, r.ToolChoice != nil)
	if r.ParallelToolCalls != nil {
		b = append(b, `,"parallel_tool_calls":`...)
		b = strconv.AppendBool(b, *r.ParallelToolCalls)
	}
	b, ok = appendMarshaled(b, ok, `,"response_format":`, r.ResponseFormat, r.ResponseFormat != nil)
	if !ok {
		return b, false
	}
	return appendExtra(b, r.Extra, chatFields[:])
}

// encodedSize guesses the size of r encoded, so that encoding it
// allocates once.
func encodedSize(r *ChatRequest) int {
	n := 256
	for i := range r.Messages {
		n += 48 + len(r.Messages[i].Content.str)
	}
	return n + n/16
}

// appendMessage appends m as json.Marshal encodes it.
func appendMessage(b []byte, m *Message) ([]byte, bool) {
	b = append(b, `{"role":`...)
	b = appendJSONString(b, m.Role)
	b = append(b, `,"content":`...)
	ok := true
	switch c := &m.Content; {
	case c.Parts != nil:
		b, ok = appendMarshaled(b, ok, "", c.Parts, true)
	case c.isStr:
		b = appendJSONString(b, c.str)
	default:
		b = append(b, "null"...)
	}
	if m.Name != "" {
		b = append(b, `,"name":`...)
		b = appendJSONString(b, m.Name)
	}
	b, ok = appendMarshaled(b, ok, `,"tool_calls":`, m.ToolCalls, len(m.ToolCalls) > 0)
	if m.ToolCallID != "" {
		b = append(b, `,"tool_call_id":`...)
		b = appendJSONString(b, m.ToolCallID)
	}
	if m.Refusal != "" {
		b = append(b, `,"refusal":`...)
		b = appendJSONString(b, m.Refusal)
	}
	if !ok {
		return b, false
	}
	return appendExtra(b, m.Extra, messageFields[:])
}

// appendExtra appends the members of extra whose names known does not
// hold, in name order, as encodeExtra does, then closes the object.
func appendExtra(b []byte, extra Extra, known []string) ([]byte, bool) {
	if len(extra) == 0 {
		return append(b, '}'), true
	}
	keys := make([]string, 0, len(extra))
	for k, raw := range extra {
		if len(raw) > 0 && !slices.Contains(known, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = append(b, ',')
		b = appendJSONString(b, k)
		b = append(b, ':')
		v, err := compactHTML(extra[k])
		if err != nil {
			return b, false
		}
		b = append(b, v...)
	}
	return append(b, '}'), true
}

// compactHTML returns b as json.Marshal passes on a MarshalJSON result:
// compact and HTML-escaped.
func compactHTML(b []byte) ([]byte, error) {
	var compact, escaped bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return nil, err
	}
	json.HTMLEscape(&escaped, compact.Bytes())
	return escaped.Bytes(), nil
}

// appendMarshaled appends name and json.Marshal(v) when present.
func appendMarshaled(b []byte, ok bool, name string, v any, present bool) ([]byte, bool) {
	if !ok || !present {
		return b, ok
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return b, false
	}
	b = append(b, name...)
	return append(b, enc...), true
}

func appendInt(b []byte, name string, v *int) []byte {
	if v == nil {
		return b
	}
	b = append(b, name...)
	return strconv.AppendInt(b, int64(*v), 10)
}

// appendFloat appends name and *v as encoding/json formats a float64
// (like ES6: no exponent between 1e-6 and 1e21). NaN and infinities are
// not JSON.
func appendFloat(b []byte, ok bool, name string, v *float64) ([]byte, bool) {
	if !ok || v == nil {
		return b, ok
	}
	f := *v
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	b = append(b, name...)
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as json.Marshal quotes it, with
// HTML escaping: <, > and & as \u003c, \u003e and \u0026, invalid UTF-8
// as \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
