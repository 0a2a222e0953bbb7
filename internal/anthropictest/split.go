package anthropictest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// split cuts s into n consecutive pieces of about the same size: whole
// words (each with the spaces before the next) when s has at least n
// words, else characters. It returns fewer pieces when s is shorter than
// n characters, and none for "".
func split(s string, n int) []string {
	if s == "" {
		return nil
	}
	if words := splitWords(s, 0); len(words) >= n {
		return group(words, n)
	}
	var runes []string
	for s != "" {
		_, size := utf8.DecodeRuneInString(s)
		runes = append(runes, s[:size])
		s = s[size:]
	}
	return group(runes, n)
}

// splitWords cuts text into words, each followed by the spaces after it;
// n > 0 groups them into at most n pieces.
func splitWords(text string, n int) []string {
	var units []string
	last, inWord := 0, false
	for i, r := range text {
		space := unicode.IsSpace(r)
		if !space && !inWord && i > last {
			units = append(units, text[last:i])
			last = i
		}
		inWord = !space
	}
	if rest := text[last:]; rest != "" {
		units = append(units, rest)
	}
	// A leading run of spaces is glued to the first word.
	if len(units) > 1 && strings.TrimSpace(units[0]) == "" {
		units = append([]string{units[0] + units[1]}, units[2:]...)
	}
	if n > 0 {
		return group(units, n)
	}
	return units
}

// group concatenates units into at most n consecutive, evenly sized groups.
func group(units []string, n int) []string {
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
