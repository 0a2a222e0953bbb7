package sse_test

import (
	"bytes"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/internal/sse"
)

// FuzzReader checks that the Reader never panics or loops on any input, and
// that whatever a Writer writes a Reader reads back: the data with each
// line break turned into "\n", and the event name unchanged.
func FuzzReader(f *testing.F) {
	f.Add([]byte("data: a\n\n"), []byte("hello"), "")
	f.Add([]byte("event: x\r\ndata: b\r\n\r\n:c\rdata\r\r"), []byte("a\r\nb\rc\n"), "delta")
	f.Add([]byte("\xEF\xBB\xBFid: 1\x00\ndata:  x\n\ndata: [DONE]\n"), []byte(""), "a:b")
	f.Add([]byte("\r\n\r"), []byte("\n\n"), " ")
	f.Fuzz(func(t *testing.T, stream, data []byte, event string) {
		// Any stream: Next ends in an error, and events keep their shape.
		r := sse.NewReader(bytes.NewReader(stream))
		for i := 0; ; i++ {
			ev, err := r.Next()
			if err != nil {
				if err != io.EOF && err != sse.ErrTooLong {
					t.Fatalf("unexpected error %v", err)
				}
				break
			}
			if i > len(stream) {
				t.Fatalf("more events than bytes")
			}
			if bytes.ContainsAny(ev.Data, "\r") || strings.ContainsAny(ev.Event, "\r\n") || strings.ContainsAny(ev.ID, "\r\n\x00") {
				t.Fatalf("line break inside a field: %q", ev)
			}
		}

		// Writer → Reader round trip.
		want := bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		want = bytes.ReplaceAll(want, []byte("\r"), []byte("\n"))
		rec := httptest.NewRecorder()
		w := sse.NewWriter(rec)
		if err := w.WriteData(data); err != nil {
			t.Fatal(err)
		}
		named := !strings.ContainsAny(event, "\r\n")
		if err := w.WriteEvent(event, data); (err == nil) != named {
			t.Fatalf("WriteEvent(%q) = %v", event, err)
		}
		if err := w.WriteDone(); err != nil {
			t.Fatal(err)
		}
		r = sse.NewReader(rec.Body)
		check := func(wantEvent string, wantData []byte) {
			t.Helper()
			ev, err := r.Next()
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if ev.Event != wantEvent || !bytes.Equal(ev.Data, wantData) {
				t.Fatalf("got event %q data %q, want %q %q", ev.Event, ev.Data, wantEvent, wantData)
			}
		}
		check("", want)
		if named {
			check(event, want)
		}
		check("", []byte("[DONE]"))
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("after [DONE]: %v", err)
		}
	})
}
