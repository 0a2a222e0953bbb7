package gateway

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The pieces that the fast paths of the answer side (chat_chunk.go,
// chat_response.go) share: usage, tool calls, and the members a type
// has no field for. As on the request side (chat_decode.go), each
// decoder takes only the common form and reports false for anything
// else, and the caller then leaves the whole value to encoding/json.

var (
	usageFields          = [...]string{"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details"}
	promptDetailFields   = [...]string{"cached_tokens", "audio_tokens", "cache_creation_tokens"}
	completionDetailFlds = [...]string{"reasoning_tokens", "audio_tokens", "accepted_prediction_tokens", "rejected_prediction_tokens"}
	toolCallFields       = [...]string{"index", "id", "type", "function"}
	functionCallFields   = [...]string{"name", "arguments"}
)

// nullRaw is the RawMessage that encoding/json stores for a JSON null.
// Every decoded null shares it (its capacity is its length, so an
// append copies): "logprobs":null comes in every chunk of a stream.
var nullRaw = json.RawMessage("null")[:4:4]

func isNull(val []byte) bool { return string(val) == "null" }

// ignoredMember reports whether encoding/json would skip a member of an
// object whose fields are known: its name matches none of them, not even
// by case, and its value is valid JSON. Names outside ASCII, which
// encoding/json folds by Unicode rules, are left to it.
func ignoredMember(name, val []byte, known []string) bool {
	for _, c := range name {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	for _, n := range known {
		if equalFoldASCII(name, n) {
			return false
		}
	}
	return validValue(val)
}

// validValue reports whether val is one valid JSON value; strings,
// numbers and literals are checked here, the rest by json.Valid.
func validValue(val []byte) bool {
	switch val[0] {
	case '"':
		_, ok := validString(val)
		return ok
	case 't':
		return string(val) == "true"
	case 'f':
		return string(val) == "false"
	case 'n':
		return isNull(val)
	case '{', '[':
		return json.Valid(val)
	}
	return isJSONNumber(val)
}

// validString reports whether val is exactly one JSON string and
// whether it has escapes.
func validString(val []byte) (escaped, ok bool) {
	if len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
		return false, false
	}
	in := val[1 : len(val)-1]
	for i := 0; i < len(in); i++ {
		switch c := in[i]; {
		case c < 0x20 || c == '"':
			return false, false
		case c == '\\':
			escaped = true
			if i+1 >= len(in) {
				return false, false
			}
			i++
			switch in[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(in) || hexValue(in[i+1:i+5]) < 0 {
					return false, false
				}
				i += 4
			default:
				return false, false
			}
		}
	}
	return escaped, true
}

// hexValue returns the value of four hex digits, or -1.
func hexValue(h []byte) rune {
	var r rune
	for _, c := range h {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// unquote decodes a JSON string with escapes as encoding/json does, or
// reports false for what it leaves to encoding/json: surrogate escapes
// and invalid UTF-8, which it replaces by rules of its own. Model text
// is full of \n and \", so this is the common case of a chunk's content.
func unquote(val []byte) (string, bool) {
	escaped, ok := validString(val)
	if !ok {
		return "", false
	}
	in := val[1 : len(val)-1]
	if !utf8.Valid(in) {
		return "", false
	}
	if !escaped {
		return string(in), true
	}
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); i++ {
		c := in[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch c = in[i]; c {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hexValue(in[i+1 : i+5])
			if utf8.RuneLen(r) < 0 { // a surrogate
				return "", false
			}
			out = utf8.AppendRune(out, r)
			i += 4
		default: // " \ /
			out = append(out, c)
		}
	}
	return string(out), true
}

// decodeText decodes a string member; null leaves dst as it is, as
// encoding/json does.
func decodeText(val []byte, dst *string) bool {
	if isNull(val) {
		return true
	}
	if s, ok := plainString(val); ok {
		*dst = string(s)
		return true
	}
	if s, ok := unquote(val); ok {
		*dst = s
		return true
	}
	return unmarshalInto(val, dst)
}

// decodeNumber decodes an integer member of the given size in bits;
// null leaves dst as it is. Fractions, exponents and overflows are
// errors to encoding/json, so they are left to it.
func decodeNumber(val []byte, bits int, dst *int64) bool {
	if isNull(val) {
		return true
	}
	if !isJSONNumber(val) {
		return false
	}
	n, err := strconv.ParseInt(string(val), 10, bits)
	if err != nil {
		return false
	}
	*dst = n
	return true
}

func decodeIntField(val []byte, dst *int) bool {
	n := int64(*dst)
	if !decodeNumber(val, strconv.IntSize, &n) {
		return false
	}
	*dst = int(n)
	return true
}

// decodeRaw decodes a json.RawMessage member: a copy of the value.
func decodeRaw(val []byte, dst *json.RawMessage) bool {
	if isNull(val) {
		*dst = nullRaw
		return true
	}
	if !validValue(val) {
		return false
	}
	*dst = append(json.RawMessage(nil), val...)
	return true
}

// decodeInts decodes an object whose fields are all ints: dsts[i] is
// the field named names[i].
func decodeInts(val []byte, names []string, dsts []*int) bool {
	end, ok := walkFields(val, 0, names, nil, func(i int, v []byte) bool {
		return decodeIntField(v, dsts[i])
	})
	return ok && end == len(val)
}

// decodeUsage decodes a usage member; null leaves it nil.
func decodeUsage(val []byte, dst **Usage) bool {
	if isNull(val) {
		return true
	}
	var u Usage
	end, ok := walkFields(val, 0, usageFields[:], nil, func(i int, v []byte) bool {
		switch i {
		case 0:
			return decodeIntField(v, &u.PromptTokens)
		case 1:
			return decodeIntField(v, &u.CompletionTokens)
		case 2:
			return decodeIntField(v, &u.TotalTokens)
		case 3:
			if isNull(v) {
				return true
			}
			d := new(PromptTokensDetails)
			u.PromptTokensDetails = d
			return decodeInts(v, promptDetailFields[:], []*int{&d.CachedTokens, &d.AudioTokens, &d.CacheCreationTokens})
		default:
			if isNull(v) {
				return true
			}
			d := new(CompletionTokensDetails)
			u.CompletionTokensDetails = d
			return decodeInts(v, completionDetailFlds[:], []*int{&d.ReasoningTokens, &d.AudioTokens,
				&d.AcceptedPredictionTokens, &d.RejectedPredictionTokens})
		}
	})
	if !ok || end != len(val) {
		return false
	}
	*dst = &u
	return true
}

// appendArray appends s as json.Marshal does (nil as null), an element at
// a time with elem; false as soon as elem gives up.
func appendArray[T any](b []byte, s []T, elem func([]byte, *T) ([]byte, bool)) ([]byte, bool) {
	if s == nil {
		return append(b, "null"...), true
	}
	b = append(b, '[')
	for i := range s {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = elem(b, &s[i]); !ok {
			return b, false
		}
	}
	return append(b, ']'), true
}

func decodeToolCall(val []byte, tc *ToolCall) bool {
	end, ok := walkFields(val, 0, toolCallFields[:], nil, func(i int, v []byte) bool {
		switch i {
		case 0:
			if isNull(v) {
				return true
			}
			n := new(int)
			tc.Index = n
			return decodeIntField(v, n)
		case 1:
			return decodeText(v, &tc.ID)
		case 2:
			return decodeText(v, &tc.Type)
		default:
			return isNull(v) || decodeFunctionCall(v, &tc.Function)
		}
	})
	return ok && end == len(val)
}

func decodeFunctionCall(val []byte, f *FunctionCall) bool {
	end, ok := walkFields(val, 0, functionCallFields[:], nil, func(i int, v []byte) bool {
		if i == 0 {
			return decodeText(v, &f.Name)
		}
		return decodeText(v, &f.Arguments)
	})
	return ok && end == len(val)
}
