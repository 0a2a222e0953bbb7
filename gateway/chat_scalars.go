package gateway

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The scalar decoders of the chat fast paths (chat_decode.go): each
// takes the common form itself and leaves the rest to json.Unmarshal.

// decodeString decodes a JSON string into dst: see decodeText.
func decodeString(val []byte, dst *string) bool { return decodeText(val, dst) }

// decodeBool decodes true or false; anything else (null too) goes
// through json.Unmarshal.
func decodeBool(val []byte, dst *bool) bool {
	switch string(val) {
	case "true":
		*dst = true
		return true
	case "false":
		*dst = false
		return true
	}
	return unmarshalInto(val, dst)
}

// unmarshalInto decodes val with json.Unmarshal into a copy of *dst,
// so that dst, often a field of a value on the caller's stack, does not
// escape to the heap.
func unmarshalInto[T any](val []byte, dst *T) bool {
	v := *dst
	if err := json.Unmarshal(val, &v); err != nil {
		return false
	}
	*dst = v
	return true
}

// decodeInt decodes a JSON integer that fits an int, anything else
// through json.Unmarshal.
func decodeInt(val []byte, dst **int) bool {
	if isJSONNumber(val) {
		if n, err := strconv.ParseInt(string(val), 10, strconv.IntSize); err == nil {
			v := int(n)
			*dst = &v
			return true
		}
	}
	return unmarshalInto(val, dst)
}

// decodeFloat decodes a JSON number as encoding/json does (ParseFloat
// of its text), anything else through json.Unmarshal.
func decodeFloat(val []byte, dst **float64) bool {
	if isJSONNumber(val) {
		if f, err := strconv.ParseFloat(string(val), 64); err == nil {
			*dst = &f
			return true
		}
	}
	return unmarshalInto(val, dst)
}

// isJSONNumber reports whether val is a number in JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(val []byte) bool {
	i := 0
	if i < len(val) && val[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(val) && '0' <= val[i] && val[i] <= '9' {
			i++
		}
		return i - j
	}
	switch {
	case i < len(val) && val[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(val) && val[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(val) && (val[i] == 'e' || val[i] == 'E') {
		i++
		if i < len(val) && (val[i] == '+' || val[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(val)
}

// plainString returns the contents of the JSON string val when
// encoding/json would take them as they are: no escapes, no control
// characters, valid UTF-8.
func plainString(val []byte) ([]byte, bool) {
	if len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
		return nil, false
	}
	in := val[1 : len(val)-1]
	ascii := true
	for _, c := range in {
		if c < 0x20 || c == '\\' || c == '"' {
			return nil, false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return in, ascii || utf8.Valid(in)
}

// skipSpaceBack returns the index just past the last byte of data that
// is not JSON white space.
func skipSpaceBack(data []byte) int {
	n := len(data)
	for n > 0 {
		switch data[n-1] {
		case ' ', '\t', '\n', '\r':
			n--
		default:
			return n
		}
	}
	return n
}
