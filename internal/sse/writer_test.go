package sse_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/internal/sse"
)

func TestWriter(t *testing.T) {
	tests := []struct {
		name  string
		write func(w *sse.Writer) error
		want  string
	}{
		{"Data", func(w *sse.Writer) error { return w.WriteData([]byte(`{"a":1}`)) }, "data: {\"a\":1}\n\n"},
		{"EmptyData", func(w *sse.Writer) error { return w.WriteData(nil) }, "data: \n\n"},
		{"DataWithLineBreaks", func(w *sse.Writer) error { return w.WriteData([]byte("a\nb\r\nc\rd")) }, "data: a\ndata: b\ndata: c\ndata: d\n\n"},
		{"TrailingLineBreak", func(w *sse.Writer) error { return w.WriteData([]byte("a\n")) }, "data: a\ndata: \n\n"},
		{"Event", func(w *sse.Writer) error { return w.WriteEvent("error", []byte(`{"x":1}`)) }, "event: error\ndata: {\"x\":1}\n\n"},
		{"EventMultiLine", func(w *sse.Writer) error { return w.WriteEvent("e", []byte("1\n2")) }, "event: e\ndata: 1\ndata: 2\n\n"},
		{"Done", func(w *sse.Writer) error { return w.WriteDone() }, "data: [DONE]\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			rec := httptest.NewRecorder()
			is.NoErr(tt.write(sse.NewWriter(rec)))
			is.Equal(rec.Body.String(), tt.want)
			is.True(rec.Flushed)
		})
	}
}

func TestWriterSequence(t *testing.T) {
	is := is.New(t)
	rec := httptest.NewRecorder()
	w := sse.NewWriter(rec)
	is.NoErr(w.WriteData([]byte("1")))
	is.NoErr(w.WriteEvent("x", []byte("2")))
	is.NoErr(w.WriteDone())
	is.Equal(rec.Body.String(), "data: 1\n\nevent: x\ndata: 2\n\ndata: [DONE]\n\n")
}

func TestWriterEventNameWithLineBreak(t *testing.T) {
	is := is.New(t)
	rec := httptest.NewRecorder()
	err := sse.NewWriter(rec).WriteEvent("a\nb", []byte("x"))
	is.Equal(err, sse.ErrEventName)
	is.Equal(rec.Body.Len(), 0)
}

// plainWriter is a ResponseWriter that cannot flush.
type plainWriter struct {
	header http.Header
	body   []byte
}

func (w *plainWriter) Header() http.Header         { return w.header }
func (w *plainWriter) Write(b []byte) (int, error) { w.body = append(w.body, b...); return len(b), nil }
func (w *plainWriter) WriteHeader(int)             {}

func TestWriterWithoutFlusher(t *testing.T) {
	is := is.New(t)
	pw := &plainWriter{header: http.Header{}}
	is.NoErr(sse.NewWriter(pw).WriteData([]byte("a")))
	is.Equal(string(pw.body), "data: a\n\n")
}

// countingWriter is a ResponseWriter that counts writes and flushes.
type countingWriter struct {
	header          http.Header
	writes, flushes int
}

func (w *countingWriter) Header() http.Header         { return w.header }
func (w *countingWriter) Write(b []byte) (int, error) { w.writes++; return len(b), nil }
func (w *countingWriter) WriteHeader(int)             {}
func (w *countingWriter) Flush()                      { w.flushes++ }

func TestWriterOneWritePerEvent(t *testing.T) {
	is := is.New(t)
	cw := &countingWriter{header: http.Header{}}
	w := sse.NewWriter(cw)
	is.NoErr(w.WriteEvent("e", []byte("a\nb\nc")))
	is.NoErr(w.WriteData([]byte("x")))
	is.Equal(cw.writes, 2)
	is.Equal(cw.flushes, 2)
}

func BenchmarkWriteData(b *testing.B) {
	data := []byte(`{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" world"},"finish_reason":null}]}`)
	w := sse.NewWriter(&countingWriter{header: http.Header{}})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.WriteData(data); err != nil {
			b.Fatal(err)
		}
	}
}

// flushCounter is a ResponseWriter that counts flushes and what each
// one sent.
type flushCounter struct {
	*httptest.ResponseRecorder
	flushes []string
	pending strings.Builder
}

func (f *flushCounter) Write(b []byte) (int, error) {
	f.pending.Write(b)
	return f.ResponseRecorder.Write(b)
}

func (f *flushCounter) Flush() {
	f.flushes = append(f.flushes, f.pending.String())
	f.pending.Reset()
}

// A held event goes out with the next one, in one flush.
func TestWriterHold(t *testing.T) {
	f := &flushCounter{ResponseRecorder: httptest.NewRecorder()}
	w := sse.NewWriter(f)
	w.Hold()
	if err := w.WriteData([]byte("1")); err != nil {
		t.Fatal(err)
	}
	if len(f.flushes) != 0 {
		t.Fatalf("a held event was flushed: %q", f.flushes)
	}
	if err := w.WriteData([]byte("2")); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteDone(); err != nil {
		t.Fatal(err)
	}
	want := []string{"data: 1\n\ndata: 2\n\n", "data: [DONE]\n\n"}
	if len(f.flushes) != 2 || f.flushes[0] != want[0] || f.flushes[1] != want[1] {
		t.Fatalf("flushes = %q, want %q", f.flushes, want)
	}
}

// Held events go to the response in one Write with the event after them,
// or with Flush; a burst past the hold limit is written, unflushed.
func TestWriterHeldEventsInOneWrite(t *testing.T) {
	is := is.New(t)
	cw := &countingWriter{header: http.Header{}}
	w := sse.NewWriter(cw)
	for range 3 {
		w.Hold()
		is.NoErr(w.WriteData([]byte("held")))
	}
	is.Equal(cw.writes, 0)
	is.NoErr(w.WriteData([]byte("last")))
	is.Equal(cw.writes, 1)
	is.Equal(cw.flushes, 1)

	w.Hold()
	is.NoErr(w.WriteData([]byte("held")))
	is.NoErr(w.Flush())
	is.Equal(cw.writes, 2)
	is.Equal(cw.flushes, 2)
	is.NoErr(w.Flush()) // nothing held: a flush alone
	is.Equal(cw.writes, 2)

	big := []byte(strings.Repeat("x", 1000))
	for range 40 { // 40 KB held
		w.Hold()
		is.NoErr(w.WriteData(big))
	}
	is.Equal(cw.writes, 3) // written when it passed 32 KiB
	is.Equal(cw.flushes, 3)
}

// Flush sends held events as they were written.
func TestWriterFlushSendsHeld(t *testing.T) {
	is := is.New(t)
	f := &flushCounter{ResponseRecorder: httptest.NewRecorder()}
	w := sse.NewWriter(f)
	w.Hold()
	is.NoErr(w.WriteData([]byte("1")))
	w.Hold()
	is.NoErr(w.WriteEvent("e", []byte("2")))
	is.Equal(f.Body.Len(), 0)
	is.NoErr(w.Flush())
	is.Equal(f.flushes, []string{"data: 1\n\nevent: e\ndata: 2\n\n"})
}

// Close writes what is held, unflushed.
func TestWriterClose(t *testing.T) {
	is := is.New(t)
	f := &flushCounter{ResponseRecorder: httptest.NewRecorder()}
	w := sse.NewWriter(f)
	is.NoErr(w.WriteData([]byte("1")))
	w.Hold()
	is.NoErr(w.WriteDone())
	is.Equal(f.Body.String(), "data: 1\n\n")
	is.NoErr(w.Close())
	is.Equal(f.Body.String(), "data: 1\n\ndata: [DONE]\n\n")
	is.Equal(f.flushes, []string{"data: 1\n\n"}) // [DONE] not flushed
	is.NoErr(w.Close())                          // nothing left
}
