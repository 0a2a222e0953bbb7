package geminitest

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// marshalIndent encodes v as the API prints whole responses: indented by
// two spaces, without HTML escaping.
func marshalIndent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// marshalEvent encodes v as the API prints a streamed chunk: on one line,
// with a space after each key's colon and none after commas
// ({"candidates": [{"content": {"parts": [{"text": "Hi"}],"role": "model"}}]}).
func marshalEvent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	compact := bytes.TrimRight(buf.Bytes(), "\n")
	out := make([]byte, 0, len(compact)+len(compact)/8)
	inString, escaped := false, false
	for _, b := range compact {
		out = append(out, b)
		switch {
		case inString && escaped:
			escaped = false
		case inString && b == '\\':
			escaped = true
		case b == '"':
			inString = !inString
		case !inString && b == ':':
			out = append(out, ' ')
		}
	}
	return out, nil
}

// CountTokens returns the number of whitespace-separated words in text,
// which is what the server counts as tokens. A reply reports:
//
//   - promptTokenCount: CountTokens over the text parts of
//     systemInstruction and contents, plus 258 per inline or file data
//     part (the API's count for a small image), plus CountTokens of the
//     JSON of each function call's args and function response;
//   - candidatesTokenCount: CountTokens of each candidate's reply text, or
//     10 per function call;
//   - cachedContentTokenCount and thoughtsTokenCount as SetUsage says;
//   - totalTokenCount: prompt + candidates + thoughts.
func CountTokens(text string) int { return len(strings.Fields(text)) }

// split cuts s into at most n consecutive pieces of about the same size:
// whole words (with the spaces after them) when s has at least n words,
// else characters. None for "".
func split(s string, n int) []string {
	if s == "" {
		return nil
	}
	var units []string
	if words := splitWords(s); len(words) >= n {
		units = words
	} else {
		for s != "" {
			_, size := utf8.DecodeRuneInString(s)
			units = append(units, s[:size])
			s = s[size:]
		}
	}
	if len(units) <= n {
		return units
	}
	out := make([]string, 0, n)
	q, r := len(units)/n, len(units)%n
	for i, start := 0, 0; i < n; i++ {
		size := q
		if i < r {
			size++
		}
		out = append(out, strings.Join(units[start:start+size], ""))
		start += size
	}
	return out
}

// splitWords cuts text into words, each with the spaces after it (leading
// spaces go with the first word).
func splitWords(text string) []string {
	var units []string
	last, inWord, seenWord := 0, false, false
	for i, r := range text {
		space := unicode.IsSpace(r)
		if !space && !inWord && seenWord {
			units = append(units, text[last:i])
			last = i
		}
		if !space {
			seenWord = true
		}
		inWord = !space
	}
	return append(units, text[last:])
}
