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
// characters, valid UTF-8. Every name and most values of the wire go
// through it, so it checks eight bytes of ASCII at a time.
func plainString(val []byte) ([]byte, bool) {
	if len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
		return nil, false
	}
	in := val[1 : len(val)-1]
	if n := len(in); n >= 8 {
		// Whole words, the last one overlapping the one before.
		i := 0
		for i+8 < n && plainASCII(le64(in[i:])) {
			i += 8
		}
		if i+8 >= n && plainASCII(le64(in[n-8:])) {
			return in, true
		}
	}
	var class byte
	for _, c := range in {
		class |= byteClass[c]
	}
	if class&unplain != 0 {
		return nil, false
	}
	return in, class&nonASCII == 0 || utf8.Valid(in)
}

// byteClass sorts the bytes of a JSON string for plainString: those it
// must leave to a decoder that unescapes, and those past ASCII.
var byteClass = func() (t [256]byte) {
	for c := range 256 {
		switch {
		case c < 0x20, c == '"', c == '\\':
			t[c] = unplain
		case c >= utf8.RuneSelf:
			t[c] = nonASCII
		}
	}
	return t
}()

const (
	unplain  = 1 << iota // a control character, quote or backslash
	nonASCII             // a byte of a character past ASCII
)

// le64 reads the first eight bytes of b as a little-endian word (one
// load: the compiler merges the shifts).
func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// plainASCII reports whether each byte of w is ASCII, not a control
// character, a quote or a backslash. (x - n per byte) &^ x has the high
// bit of some byte set exactly when some byte of x is below n (n <= 0x80),
// and a byte equal to c is a byte of x^c below 1.
func plainASCII(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	control := (w - 0x20*ones) &^ w
	q := w ^ '"'*ones
	quote := (q - ones) &^ q
	b := w ^ '\\'*ones
	backslash := (b - ones) &^ b
	return (control|quote|backslash|w)&highs == 0
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
