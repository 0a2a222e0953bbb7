package sse_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/internal/sse"
)

// event is an sse.Event with string data, for comparisons.
type event struct {
	Event, Data, ID string
}

// readAll reads events until an error and returns them with the error.
func readAll(r *sse.Reader) ([]event, error) {
	var out []event
	for {
		ev, err := r.Next()
		if err != nil {
			return out, err
		}
		out = append(out, event{ev.Event, string(ev.Data), ev.ID})
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []event
	}{
		{"LF", "data: a\n\ndata: b\n\n", []event{{Data: "a"}, {Data: "b"}}},
		{"CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", []event{{Data: "a"}, {Data: "b"}}},
		{"CR", "data: a\r\rdata: b\r\r", []event{{Data: "a"}, {Data: "b"}}},
		{"Mixed", "data: a\r\ndata: b\rdata: c\n\r\n", []event{{Data: "a\nb\nc"}}},
		{"MultiLine", "data: one\ndata: two\ndata: three\n\n", []event{{Data: "one\ntwo\nthree"}}},
		{"NoSpace", "data:x\n\n", []event{{Data: "x"}}},
		{"OnlyOneSpaceStripped", "data:  x \n\n", []event{{Data: " x "}}},
		{"EmptyData", "data:\n\n", []event{{Data: ""}}},
		{"FieldWithoutColon", "data\n\n", []event{{Data: ""}}},
		{"EmptyDataLines", "data\ndata\n\n", []event{{Data: "\n"}}},
		{"Comments", ": keep-alive\n:\ndata: a\n: mid\n\n", []event{{Data: "a"}}},
		{"EventName", "event: delta\ndata: {}\n\ndata: x\n\n", []event{{Event: "delta", Data: "{}"}, {Data: "x"}}},
		{"EventWithoutDataNotDispatched", "event: ping\n\ndata: a\n\n", []event{{Data: "a"}}},
		{"IDPersists", "id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n", []event{{Data: "a", ID: "1"}, {Data: "b", ID: "1"}, {Data: "c"}}},
		{"IDWithNULIgnored", "id: 7\ndata: a\n\nid: x\x00y\ndata: b\n\n", []event{{Data: "a", ID: "7"}, {Data: "b", ID: "7"}}},
		{"UnknownFieldsIgnored", "retry: 10\nfoo: bar\ndata: a\n\n", []event{{Data: "a"}}},
		{"ColonInValue", "data: {\"a\":\"b:c\"}\n\n", []event{{Data: `{"a":"b:c"}`}}},
		{"UnterminatedEventDiscarded", "data: a\n\ndata: b\n", []event{{Data: "a"}}},
		{"UnterminatedLineDiscarded", "data: a\n\ndata: b", []event{{Data: "a"}}},
		{"BOM", "\xEF\xBB\xBFdata: a\n\n", []event{{Data: "a"}}},
		{"BOMOnlyAtStart", "data: a\n\n\xEF\xBB\xBFdata: b\n\n", []event{{Data: "a"}}},
		{"LeadingBlankLines", "\n\n\r\ndata: a\n\n", []event{{Data: "a"}}},
		{"Empty", "", nil},
		{"OpenAI", "data: {\"id\":\"1\"}\n\ndata: [DONE]\n\n", []event{{Data: `{"id":"1"}`}, {Data: "[DONE]"}}},
	}
	readers := map[string]func(string) io.Reader{
		"Whole":   func(s string) io.Reader { return strings.NewReader(s) },
		"OneByte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"Half":    func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
	}
	for _, tt := range tests {
		for rname, mk := range readers {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				is := is.New(t)
				got, err := readAll(sse.NewReader(mk(tt.input)))
				is.Equal(err, io.EOF)
				is.Equal(got, tt.want)
			})
		}
	}
}

func TestReaderCRAtBufferEnd(t *testing.T) {
	// A "\r" ending one read and a "\n" starting the next are one line break.
	is := is.New(t)
	r := sse.NewReader(io.MultiReader(strings.NewReader("data: a\r"), strings.NewReader("\ndata: b\r"), strings.NewReader("\n\r\n")))
	got, err := readAll(r)
	is.Equal(err, io.EOF)
	is.Equal(got, []event{{Data: "a\nb"}})
}

func TestReaderLongLine(t *testing.T) {
	is := is.New(t)
	long := strings.Repeat("x", 1<<20)
	r := sse.NewReader(strings.NewReader("data: " + long + "\ndata: " + long + "\n\n"))
	ev, err := r.Next()
	is.NoErr(err)
	is.Equal(len(ev.Data), 2<<20+1)
	_, err = r.Next()
	is.Equal(err, io.EOF)
}

func TestReaderTooLong(t *testing.T) {
	t.Run("Line", func(t *testing.T) {
		is := is.New(t)
		r := sse.NewReader(strings.NewReader("data: " + strings.Repeat("x", sse.MaxLine) + "\n\n"))
		_, err := r.Next()
		is.Equal(err, sse.ErrTooLong)
		_, err = r.Next()
		is.Equal(err, sse.ErrTooLong) // sticky
	})
	t.Run("Data", func(t *testing.T) {
		is := is.New(t)
		line := "data: " + strings.Repeat("x", sse.MaxLine/4) + "\n"
		r := sse.NewReader(strings.NewReader(strings.Repeat(line, 5) + "\n"))
		_, err := r.Next()
		is.Equal(err, sse.ErrTooLong)
	})
}

func TestReaderError(t *testing.T) {
	is := is.New(t)
	boom := errors.New("boom")
	r := sse.NewReader(io.MultiReader(strings.NewReader("data: a\n\ndata: b\n"), iotest.ErrReader(boom)))
	ev, err := r.Next()
	is.NoErr(err)
	is.Equal(string(ev.Data), "a")
	_, err = r.Next()
	is.Equal(err, boom)
	_, err = r.Next()
	is.Equal(err, boom)
}

func TestReaderDoesNotBlockAfterDispatch(t *testing.T) {
	// The event must come out as soon as its blank line arrives, without
	// waiting for more input (a "\r" line end must not wait for a "\n").
	is := is.New(t)
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write([]byte("data: a\r\r")) }()
	ev, err := sse.NewReader(pr).Next()
	is.NoErr(err)
	is.Equal(string(ev.Data), "a")
}

// benchEvents returns a function that returns a Reader whose next event
// is one of chunk, a new Reader over the same bytes every 1000 events,
// and sets b's bytes per event.
func benchEvents(b *testing.B, chunk string) func() *sse.Reader {
	const per = 1000
	data := []byte(strings.Repeat("data: "+chunk+"\n\n", per))
	src := bytes.NewReader(data)
	r := sse.NewReader(src)
	n := 0
	b.SetBytes(int64(len(data) / per))
	return func() *sse.Reader {
		if n == per {
			src.Reset(data)
			r = sse.NewReader(src)
			n = 0
		}
		n++
		return r
	}
}

// benchChunk is a streamed chat chunk, as the reader benchmarks read it.
const benchChunk = `{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" world"},"finish_reason":null}]}`

func BenchmarkReaderNext(b *testing.B) {
	next := benchEvents(b, benchChunk)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := next().Next(); err != nil {
			b.Fatal(err)
		}
	}
}

// Buffered tells a relay whether the next data event is already here:
// a whole event is, part of one or a comment is not.
func TestReaderBuffered(t *testing.T) {
	pr, pw := io.Pipe()
	r := sse.NewReader(pr)
	send := func(s string) {
		go func() { _, _ = pw.Write([]byte(s)) }()
	}
	next := func() string {
		ev, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		return string(ev.Data)
	}
	send("data: 1\n\ndata: 2\n\n")
	if got := next(); got != "1" {
		t.Fatalf("Next = %q", got)
	}
	if !r.Buffered() {
		t.Fatal("event 2 arrived with event 1: Buffered should say so")
	}
	if got := next(); got != "2" {
		t.Fatalf("Next = %q", got)
	}
	if r.Buffered() {
		t.Fatal("nothing is buffered")
	}
	send("data: 3\n\ndata: 4") // event 4 is cut mid-way
	if got := next(); got != "3" {
		t.Fatalf("Next = %q", got)
	}
	if r.Buffered() {
		t.Fatal("half an event is not an event at hand")
	}
	send("\n\n: comment\n\n")
	if got := next(); got != "4" {
		t.Fatalf("Next = %q", got)
	}
	if r.Buffered() {
		t.Fatal("a comment is not an event at hand")
	}
	send("event: x\r\ndata: 5\r\n\r\ndata: 6\r\n\r\n")
	if got := next(); got != "5" {
		t.Fatalf("Next = %q", got)
	}
	if !r.Buffered() {
		t.Fatal("CRLF events count too")
	}
	_ = pw.Close()
}

// TestReaderRelease checks that a released Reader fails rather than
// reading through a buffer another Reader may now own, and that the
// next Reader starts clean.
func TestReaderRelease(t *testing.T) {
	r := sse.NewReader(strings.NewReader("data: a\n\ndata: b\n\n"))
	if ev, err := r.Next(); err != nil || string(ev.Data) != "a" {
		t.Fatalf("Next = %q, %v", ev.Data, err)
	}
	r.Release()
	r.Release() // twice is harmless
	if _, err := r.Next(); err == nil {
		t.Fatal("Next after Release succeeded")
	}
	if r.Buffered() {
		t.Fatal("Buffered after Release")
	}
	r2 := sse.NewReader(strings.NewReader("data: c\n\n"))
	if ev, err := r2.Next(); err != nil || string(ev.Data) != "c" {
		t.Fatalf("next Reader: Next = %q, %v", ev.Data, err)
	}
	if _, err := r2.Next(); err != io.EOF {
		t.Fatalf("next Reader: Next at the end = %v, want io.EOF", err)
	}
}

// BenchmarkReaderBuffered reads events from a full buffer, asking
// Buffered before each, as a relay does behind a fast upstream.
func BenchmarkReaderBuffered(b *testing.B) {
	next := benchEvents(b, benchChunk)
	for b.Loop() {
		r := next()
		_ = r.Buffered()
		if _, err := r.Next(); err != nil {
			b.Fatal(err)
		}
	}
}
