package sse_test

import (
	"bytes"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

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

// FuzzReaderChunking checks that how the stream arrives changes nothing:
// read whole, events come mostly from the buffer as they stand (plain
// ones without a copy); read a byte at a time, every one goes the long
// way.
func FuzzReaderChunking(f *testing.F) {
	f.Add([]byte("data: {\"a\":1}\n\ndata: b\n\n"))
	f.Add([]byte("data: a\n\nid: 7\ndata: b\n\nevent: e\ndata: c\n\ndata: d\r\n\r\n"))
	f.Add([]byte("\xEF\xBB\xBFdata: a\n\ndata: x\rdata: y\n\n: ping\n\ndata:z\n\ndata: \n\n"))
	f.Add([]byte("data: a\r\ndata: b\n\ndata: c\n"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		read := func(src io.Reader) (evs []sse.Event, err error) {
			r := sse.NewReader(src)
			for {
				ev, err := r.Next()
				if err != nil {
					return evs, err
				}
				ev.Data = bytes.Clone(ev.Data)
				evs = append(evs, ev)
			}
		}
		whole, werr := read(bytes.NewReader(stream))

		// Buffered's promise: the next Next reads nothing more.
		src := &countingReader{r: bytes.NewReader(stream)}
		r := sse.NewReader(src)
		for {
			ready, before := r.Buffered(), src.reads
			if _, err := r.Next(); err != nil {
				if ready {
					t.Fatalf("Buffered, then Next: %v", err)
				}
				break
			}
			if ready && src.reads != before {
				t.Fatalf("Buffered, then Next read %d more times", src.reads-before)
			}
		}
		bytewise, berr := read(iotest.OneByteReader(bytes.NewReader(stream)))
		if werr != berr || len(whole) != len(bytewise) {
			t.Fatalf("whole: %q, %v; a byte at a time: %q, %v", whole, werr, bytewise, berr)
		}
		for i := range whole {
			if whole[i].Event != bytewise[i].Event || whole[i].ID != bytewise[i].ID || !bytes.Equal(whole[i].Data, bytewise[i].Data) {
				t.Fatalf("event %d: whole %q, a byte at a time %q", i, whole[i], bytewise[i])
			}
		}
	})
}

// countingReader counts the reads made of r.
type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}
