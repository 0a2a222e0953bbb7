package gateway

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// plainStringByByte is plainString as a walk of one byte at a time, the
// reference for the word-at-a-time walk.
func plainStringByByte(val []byte) ([]byte, bool) {
	if len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
		return nil, false
	}
	in := val[1 : len(val)-1]
	for _, c := range in {
		if c < 0x20 || c == '\\' || c == '"' {
			return nil, false
		}
	}
	return in, utf8.Valid(in)
}

func checkPlainString(t *testing.T, val []byte) {
	t.Helper()
	got, ok := plainString(val)
	want, wok := plainStringByByte(val)
	if ok != wok || ok && !bytes.Equal(got, want) {
		t.Fatalf("plainString(%q) = %q, %v; want %q, %v", val, got, ok, want, wok)
	}
}

// Every byte value, at every place of the first words, decides as the
// byte walk does: a control character, quote, backslash or byte past
// ASCII in any lane of a word must leave it to the byte walk.
func TestPlainStringEachByteInEachLane(t *testing.T) {
	for n := 1; n <= 24; n++ {
		for at := range n {
			for c := range 256 {
				in := bytes.Repeat([]byte{'a'}, n)
				in[at] = byte(c)
				checkPlainString(t, append(append([]byte{'"'}, in...), '"'))
			}
		}
	}
}

func TestPlainStringRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab \x1f\x20\x7f\x80\xc3\xa9\"\\\t~")
	for range 20000 {
		in := make([]byte, r.IntN(40))
		for i := range in {
			in[i] = alphabet[r.IntN(len(alphabet))]
		}
		checkPlainString(t, append(append([]byte{'"'}, in...), '"'))
	}
}
