package sse

import (
	"errors"
	"net/http"
	"strings"
	"sync"
)

// Writer encodes server-sent events onto an HTTP response and flushes each
// one, so the client sees it at once. Each event is built in a reused
// buffer and written with a single Write; held events (see Hold) wait in
// that buffer and go out in one Write with the event after them.
//
// Data may hold line breaks ("\n", "\r\n" or "\r"): they are split into
// several data lines, which a reader joins again with "\n". So data
// without "\r" reads back exactly as written.
//
// Writer does not set response headers; the caller sets Content-Type:
// text/event-stream (and usually Cache-Control: no-cache) before the first
// event. A Writer is not safe for concurrent use.
type Writer struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	// buf holds the event being written, after any held before it: own
	// while none is held, else a buffer from heldBuffers.
	buf, own []byte
	pooled   *[]byte // where buf came from, while it is heldBuffers'
	// hold keeps the next event in buf, unwritten.
	hold bool
}

// holdLimit is how much of held events a Writer keeps before it writes
// them to the response, unflushed, so a long burst does not grow buf.
const holdLimit = 32 << 10

// heldBuffers lend Writers the room for a burst while it is held: a
// stream's Writer that grew its own buffer to a burst's size allocated
// 60 KiB in steps for every stream, which cost more in garbage collection
// than the system calls saved.
var heldBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, holdLimit+4<<10)
	return &b
}}

// NewWriter returns a Writer that writes to w. Flushing goes through
// http.ResponseController, which finds an http.Flusher even behind
// middleware wrappers that implement Unwrap.
func NewWriter(w http.ResponseWriter) *Writer {
	own := make([]byte, 0, 512)
	return &Writer{w: w, rc: http.NewResponseController(w), buf: own, own: own}
}

var (
	prefixData  = []byte("data: ")
	prefixEvent = []byte("event: ")
	doneEvent   = []byte("data: [DONE]\n\n")
)

// ErrEventName is returned by WriteEvent for an event name with a line
// break, which would end the field early.
var ErrEventName = errors.New("sse: event name contains a line break")

// Hold makes the next write keep its event in the Writer, to go out with
// the events after it: a relay holds an event when the next one has
// already arrived. The write after it that is not held (or Flush) writes
// them all with one Write and flushes. One Write matters: net/http
// buffers a response 2 KiB and then 4 KiB at a time, so a burst written
// event by event costs a system call per 4 KiB, where one Write of it
// costs two or three, as a reverse proxy's copy of it does.
//
// A caller that holds an event must write another or call Flush.
func (w *Writer) Hold() { w.hold = true }

// Flush writes the held events, if any, and flushes the response.
func (w *Writer) Flush() error {
	if err := w.writeHeld(); err != nil {
		return err
	}
	return w.flushResponse()
}

// Close writes the held events to the response, unflushed, for a
// handler about to return: net/http then sends them with the response's
// end (the last chunk of a chunked response) in one write, where a flush
// would have cost a write of its own. The Writer is not used after.
func (w *Writer) Close() error { return w.writeHeld() }

// writeHeld writes the held events, if any, unflushed.
func (w *Writer) writeHeld() error {
	if len(w.buf) == 0 {
		return nil
	}
	return w.write()
}

func (w *Writer) flushResponse() error {
	if err := w.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// WriteData writes one event with data and no event name
// ("data: <data>\n\n") and flushes it.
func (w *Writer) WriteData(data []byte) error {
	w.buf = appendData(w.buf, data)
	w.buf = append(w.buf, '\n')
	return w.send()
}

// WriteEvent writes one event with a name ("event: <event>\ndata:
// <data>\n\n") and flushes it. ErrEventName if event holds a line break.
func (w *Writer) WriteEvent(event string, data []byte) error {
	if strings.ContainsAny(event, "\r\n") {
		return ErrEventName
	}
	b := append(w.buf, prefixEvent...)
	b = append(b, event...)
	b = append(b, '\n')
	b = appendData(b, data)
	w.buf = append(b, '\n')
	return w.send()
}

// WriteDone writes the "data: [DONE]" event that ends an OpenAI stream and
// flushes it.
func (w *Writer) WriteDone() error {
	w.buf = append(w.buf, doneEvent...)
	return w.send()
}

// appendData appends one "data: " line per line of data.
func appendData(b, data []byte) []byte {
	for {
		i := indexEOL(data)
		b = append(b, prefixData...)
		if i < 0 {
			b = append(b, data...)
			return append(b, '\n')
		}
		b = append(b, data[:i]...)
		b = append(b, '\n')
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
}

// send writes the buffer and flushes, or keeps it for a held event. A
// ResponseWriter that cannot flush is not an error: the data is written
// and goes out when the handler returns.
func (w *Writer) send() error {
	if w.hold {
		w.hold = false
		if len(w.buf) >= holdLimit {
			return w.write()
		}
		if w.pooled == nil {
			w.pooled = heldBuffers.Get().(*[]byte)
			w.buf = append((*w.pooled)[:0], w.buf...)
		}
		return nil
	}
	if err := w.write(); err != nil {
		return err
	}
	return w.flushResponse()
}

// write writes the buffer to the response and empties it, giving back a
// burst's buffer.
func (w *Writer) write() error {
	_, err := w.w.Write(w.buf)
	switch {
	case w.pooled != nil:
		if cap(w.buf) <= 2*holdLimit {
			*w.pooled = w.buf[:0]
			heldBuffers.Put(w.pooled)
		}
		w.buf, w.pooled = w.own, nil
	case cap(w.buf) > 64<<10:
		// Do not keep one huge event's buffer for the stream's life.
		w.buf, w.own = nil, nil
	default:
		w.buf, w.own = w.buf[:0], w.buf[:0]
	}
	return err
}
