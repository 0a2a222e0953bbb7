package gateway

import "bytes"

// Decoding a chunk only to send its bytes on cost a relay about as much
// CPU as reading and writing it on the network. Most chunks of a stream
// carry nothing the gateway keeps but a few bytes of text, so an OpenAI
// upstream skims them instead: a ChunkSkimmer finds the members metering
// reads, by their keys, and leaves the rest unread. The chunk that
// carries usage, and any it cannot read with certainty, are decoded.

// ChunkSkim is what a skim of a chunk found.
type ChunkSkim struct {
	// Text counts the bytes, as sent (escapes included), of the string
	// members named content, refusal, name and arguments: the text a
	// client was sent, which is what a stream cut before its usage is
	// charged by.
	Text int
	// Finished reports a finish_reason that is a string, not empty.
	Finished bool
}

// ChunkSkimmer reads what metering needs of the chunks of one stream,
// OpenAI chat.completion.chunk objects, without decoding them or
// checking they are valid JSON: a relay sends them on as they came.
// Skim reports false for a chunk that must be decoded instead: one that
// is not an object, has a member named usage whose value is not null, or
// one of the names in Refuse (all compared as encoding/json does,
// regardless of case), and one it cannot be sure has none: a key with an
// escape or a byte outside ASCII, which encoding/json could read as one
// of those names.
//
// It finds members by the colon after their key, so a colon inside a
// string is told apart by the quote before it, which is escaped there.
// Strings of text are stepped over whole, so what they hold (JSON tool
// arguments, say) is never taken for members. The chunks of a stream
// mostly differ only in their first text (the id, model and the rest
// before it repeat, and so, in most streams, does what follows it), so
// it keeps the bytes up to the first text of the last chunk it read in
// full, and the bytes after the last first text it read, with what it
// found in each: a chunk that starts with the same bytes is read from
// its first text, and one that also ends with the same bytes, only
// there. The end may differ in the value of its last member when the
// skim did not read that value (OpenAI ends every chunk with an
// obfuscation member of its own) and the new one holds no colon.
//
// The zero ChunkSkimmer is ready to use; it is not safe for concurrent
// use.
type ChunkSkimmer struct {
	// Refuse names the members that make a chunk one to decode.
	Refuse []string

	prefix []byte    // a chunk's bytes up to its first text's opening quote
	at     ChunkSkim // what those bytes held

	suffix   []byte    // a chunk's bytes after its first text, if any
	after    ChunkSkim // what those bytes held
	afterOK  bool      // and whether they let the chunk be skimmed
	hasAfter bool
	// upto is how much of suffix another chunk's must repeat: past the
	// colon of its last member when that member's value was not read
	// (OpenAI's obfuscation, which changes at every chunk), so the
	// bytes after it may differ as long as they hold no colon.
	upto int
}

// Skim reads data; see ChunkSkimmer.
func (k *ChunkSkimmer) Skim(data []byte) (ChunkSkim, bool) {
	if len(data) < 2 || data[0] != '{' || data[len(data)-1] != '}' {
		return ChunkSkim{}, false
	}
	var s ChunkSkim
	var end int // just past the first text
	if n := len(k.prefix); n > 0 && len(data) > n && string(data[:n]) == string(k.prefix) {
		s = k.at
		if end = skipText(data, n-1, &s); end < 0 {
			return s, false
		}
	} else {
		var ok bool
		if s, end, ok = k.scan(data, 1, ChunkSkim{}, true); !ok || end < 0 {
			return s, ok
		}
	}
	rest := data[end:]
	if !k.repeats(rest) {
		after, inert, ok := k.scan(data, end, ChunkSkim{}, false)
		// What the rest holds depends on its bytes alone, unless a colon
		// opens it: then the first text would be that colon's key.
		k.hasAfter = data[skipSpace(data, end)] != ':'
		k.suffix, k.after, k.afterOK = append(k.suffix[:0], rest...), after, ok
		k.upto = len(rest)
		if inert >= 0 {
			k.upto = inert - end
		}
		if !ok {
			return s, false
		}
	} else if !k.afterOK {
		return s, false
	}
	s.Text += k.after.Text
	s.Finished = s.Finished || k.after.Finished
	return s, true
}

// repeats reports whether rest, a chunk's bytes after its first text,
// holds what the suffix held: it repeats the suffix up to upto, and the
// bytes after (all of them, up to the end) hold no colon, which is all
// a scan looks for.
func (k *ChunkSkimmer) repeats(rest []byte) bool {
	if !k.hasAfter || len(rest) < k.upto || string(rest[:k.upto]) != string(k.suffix[:k.upto]) {
		return false
	}
	if k.upto == len(k.suffix) {
		return len(rest) == k.upto
	}
	return bytes.IndexByte(rest[k.upto:], ':') < 0
}

// scan reads the members of data from index i on, adding what it finds
// to s. With first set it stops just past the first text string, which
// it keeps as the prefix, and returns that index (-1 when there is
// none). Otherwise it returns the index just past the last colon when
// that member's value went unread, and -1 when it was read.
func (k *ChunkSkimmer) scan(data []byte, i int, s ChunkSkim, first bool) (ChunkSkim, int, bool) {
	inert := -1
	for {
		j := bytes.IndexByte(data[i:], ':')
		if j < 0 {
			if first {
				inert = -1
			}
			return s, inert, true
		}
		j += i
		i = j + 1
		q := j - 1
		if data[q] != '"' {
			q = skipSpaceBack(data[:j]) - 1
		}
		if q < 1 || data[q] != '"' {
			continue // a colon that no key comes before: inside a string
		}
		if data[q-1] == '\\' {
			return s, -1, false // an escaped quote, or a key that ends in an escape
		}
		start := bytes.LastIndexByte(data[:q], '"')
		if start < 0 {
			return s, -1, false
		}
		key := data[start+1 : q]
		if !plainKey(key) {
			return s, -1, false
		}
		v := skipSpace(data, i)
		inert = -1
		switch {
		case equalFoldASCII(key, "content"), equalFoldASCII(key, "refusal"),
			equalFoldASCII(key, "arguments"), equalFoldASCII(key, "name"):
			if v < len(data) && data[v] == '"' {
				if first {
					k.prefix = append(k.prefix[:0], data[:v+1]...)
					k.at = s
				}
				if i = skipText(data, v, &s); i < 0 {
					return s, -1, false
				}
				if first {
					return s, i, true
				}
			}
		case equalFoldASCII(key, "finish_reason"):
			if v+1 < len(data) && data[v] == '"' && data[v+1] != '"' {
				s.Finished = true
			}
		case equalFoldASCII(key, "usage"):
			if !hasNull(data, v) {
				return s, -1, false
			}
		default:
			if refused(key, k.Refuse) {
				return s, -1, false
			}
			inert = i
		}
	}
}

// skipText steps over the text string at data[v], counting its bytes in
// s, and returns the index just past it; -1 when it runs to the end,
// which no chunk's string does.
func skipText(data []byte, v int, s *ChunkSkim) int {
	end := skipString(data, v)
	if end == len(data) {
		return -1
	}
	s.Text += end - v - 2
	return end
}

// refused reports whether an ASCII name is one of names, regardless of
// case.
func refused(name []byte, names []string) bool {
	for _, n := range names {
		if equalFoldASCII(name, n) {
			return true
		}
	}
	return false
}

// plainKey reports whether a key is ASCII without escapes, so that
// comparing its bytes tells what encoding/json would match it to.
func plainKey(key []byte) bool {
	n := len(key)
	if n < 8 {
		var class byte
		for _, c := range key {
			class |= byteClass[c]
		}
		return class&(unplain|nonASCII) == 0
	}
	i := 0
	for i+8 < n && plainASCII(le64(key[i:])) {
		i += 8
	}
	return i+8 >= n && plainASCII(le64(key[n-8:]))
}
