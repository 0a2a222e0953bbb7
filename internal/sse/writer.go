package sse

import (
	"errors"
	"net/http"
	"strings"
)

// Writer encodes server-sent events onto an HTTP response and flushes each
// one, so the client sees it at once. Each event is built in a reused
// buffer and written with a single Write.
//
// Data may hold line breaks ("\n", "\r\n" or "\r"): they are split into
// several data lines, which a reader joins again with "\n". So data
// without "\r" reads back exactly as written.
//
// Writer does not set response headers; the caller sets Content-Type:
// text/event-stream (and usually Cache-Control: no-cache) before the first
// event. A Writer is not safe for concurrent use.
type Writer struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	buf []byte
	// hold keeps the next event in the response's buffer, unflushed.
	hold bool
}

// NewWriter returns a Writer that writes to w. Flushing goes through
// http.ResponseController, which finds an http.Flusher even behind
// middleware wrappers that implement Unwrap.
func NewWriter(w http.ResponseWriter) *Writer {
	return &Writer{w: w, rc: http.NewResponseController(w), buf: make([]byte, 0, 512)}
}

var (
	prefixData  = []byte("data: ")
	prefixEvent = []byte("event: ")
	doneEvent   = []byte("data: [DONE]\n\n")
)

// ErrEventName is returned by WriteEvent for an event name with a line
// break, which would end the field early.
var ErrEventName = errors.New("sse: event name contains a line break")

// Hold makes the next write leave its event in the response's buffer,
// to go out with the events after it: a relay holds an event when the
// next one has already arrived, so a burst costs one network write. The
// write after it (or Flush) sends them all.
func (w *Writer) Hold() { w.hold = true }

// Flush sends what held writes left in the response's buffer.
func (w *Writer) Flush() error {
	if err := w.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// WriteData writes one event with data and no event name
// ("data: <data>\n\n") and flushes it.
func (w *Writer) WriteData(data []byte) error {
	w.buf = appendData(w.buf[:0], data)
	w.buf = append(w.buf, '\n')
	return w.send()
}

// WriteEvent writes one event with a name ("event: <event>\ndata:
// <data>\n\n") and flushes it. ErrEventName if event holds a line break.
func (w *Writer) WriteEvent(event string, data []byte) error {
	if strings.ContainsAny(event, "\r\n") {
		return ErrEventName
	}
	b := append(w.buf[:0], prefixEvent...)
	b = append(b, event...)
	b = append(b, '\n')
	b = appendData(b, data)
	w.buf = append(b, '\n')
	return w.send()
}

// WriteDone writes the "data: [DONE]" event that ends an OpenAI stream and
// flushes it.
func (w *Writer) WriteDone() error {
	w.buf = append(w.buf[:0], doneEvent...)
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

// send writes the buffer and flushes. A ResponseWriter that cannot flush
// is not an error: the data is written and goes out when the handler
// returns.
func (w *Writer) send() error {
	if _, err := w.w.Write(w.buf); err != nil {
		return err
	}
	if cap(w.buf) > 64<<10 {
		w.buf = nil // do not keep one huge event's buffer for the stream's life
	}
	if w.hold {
		w.hold = false
		return nil
	}
	return w.Flush()
}
