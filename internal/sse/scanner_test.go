package sse_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/internal/sse"
)

// scanAll pushes stream to a Scanner in pieces of size n and returns the
// events it dispatched.
func scanAll(stream []byte, n int) []event {
	var got []event
	s := sse.NewScanner(func(ev sse.Event) {
		got = append(got, event{ev.Event, string(ev.Data), ev.ID})
	})
	for len(stream) > 0 {
		k := min(n, len(stream))
		_, _ = s.Write(stream[:k])
		stream = stream[k:]
	}
	return got
}

func TestScannerMatchesReader(t *testing.T) {
	is := is.New(t)
	streams := []string{
		"data: a\n\n",
		"\xEF\xBB\xBFevent: x\r\ndata: b\r\n\r\n:comment\rdata\r\r",
		"id: 7\ndata: one\ndata: two\n\nevent: e\ndata: {\"usage\":1}\n\ndata: [DONE]\n\n",
		"data: no end",
	}
	for _, stream := range streams {
		want, err := readAll(sse.NewReader(strings.NewReader(stream)))
		is.True(err == io.EOF)
		for _, n := range []int{1, 2, 3, 7, len(stream)} {
			got := scanAll([]byte(stream), n)
			is.Equal(len(got), len(want)) // same events, whatever the split
			for i := range got {
				is.Equal(got[i], want[i])
			}
		}
	}
}

func TestScannerTooLong(t *testing.T) {
	is := is.New(t)
	calls := 0
	s := sse.NewScanner(func(sse.Event) { calls++ })
	n, err := s.Write(bytes.Repeat([]byte("x"), sse.MaxLine+1))
	is.NoErr(err)
	is.Equal(n, sse.MaxLine+1) // never fails the copy it watches
	is.Equal(s.Err(), sse.ErrTooLong)
	_, _ = s.Write([]byte("\ndata: a\n\n"))
	is.Equal(calls, 0) // the rest is ignored
}

func FuzzScanner(f *testing.F) {
	f.Add([]byte("data: a\n\nevent: b\r\ndata: c\r\r"), uint8(3))
	f.Fuzz(func(t *testing.T, stream []byte, n uint8) {
		want, _ := readAll(sse.NewReader(bytes.NewReader(stream)))
		got := scanAll(stream, int(n)+1)
		if len(want) != len(got) {
			t.Fatalf("reader %d events, scanner %d", len(want), len(got))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("event %d: reader %q, scanner %q", i, want[i], got[i])
			}
		}
	})
}
