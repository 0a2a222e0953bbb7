package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// unknownFields returns the members of the JSON object data whose names
// known does not hold, their values as they are in data (copied). data
// must be valid JSON (json.Unmarshal has just accepted it): the scan
// only finds where members begin and end, which is why it is several
// times cheaper than unmarshaling into a map.
func unknownFields(data []byte, known map[string]bool) (Extra, error) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, errors.New("gateway: not a JSON object")
	}
	i++
	var extra Extra
	for {
		i = skipSpace(data, i)
		if i < len(data) && data[i] == '}' {
			return extra, nil
		}
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
		if i >= len(data) || data[i] != '"' {
			return nil, errors.New("gateway: malformed JSON object")
		}
		end := skipString(data, i)
		rawKey := data[i:end]
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return nil, errors.New("gateway: malformed JSON object")
		}
		i = skipSpace(data, i+1)
		vend := skipValue(data, i)
		if vend < 0 {
			return nil, errors.New("gateway: malformed JSON value")
		}
		key := string(rawKey[1 : len(rawKey)-1])
		if hasEscape(rawKey) || !utf8.Valid(rawKey) { // as encoding/json reads it
			if err := json.Unmarshal(rawKey, &key); err != nil {
				return nil, err
			}
		}
		if !known[key] {
			if extra == nil {
				extra = make(Extra)
			}
			// A later duplicate wins, as with encoding/json.
			extra[key] = append(json.RawMessage(nil), data[i:vend]...)
		}
		i = vend
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just past the string that starts at i.
// A quote ends it when an even run of backslashes comes before it: each
// backslash of the run escapes the next, which is what a walk byte by
// byte finds, but IndexByte finds quotes several bytes at a time.
func skipString(data []byte, i int) int {
	for j := i + 1; ; {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return len(data)
		}
		k += j
		n := 0
		for p := k - 1; p > i && data[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return k + 1
		}
		j = k + 1
	}
}

func hasEscape(s []byte) bool {
	for _, c := range s {
		if c == '\\' {
			return true
		}
	}
	return false
}

// skipValue returns the index just past the value that starts at i, or
// -1 when data ends first.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = skipString(data, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default: // a number, true, false or null
		j := i
		for j < len(data) {
			switch data[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return j
			}
			j++
		}
		return j
	}
}
