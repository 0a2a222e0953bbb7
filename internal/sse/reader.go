// Package sse encodes and decodes server-sent events (the text/event-stream
// format of the WHATWG HTML standard). Provider adapters read upstream
// streams with Reader; the HTTP API writes client streams with Writer.
package sse

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"sync"
)

// MaxLine is the longest line, and the largest event data, a Reader
// accepts. Streamed chat chunks are small, but some events carry a whole
// response, so the limit is generous.
const MaxLine = 4 << 20

// ErrTooLong is returned by Reader.Next when a line or an event's data is
// longer than MaxLine.
var ErrTooLong = errors.New("sse: line too long")

// readBufferSize is the size of the bufio.Reader's buffer; longer lines are
// assembled in Reader.line.
const readBufferSize = 32 << 10

// Event is one dispatched server-sent event.
type Event struct {
	// Event is the value of the last "event:" field, "" when the event had
	// none (the standard then calls it "message").
	Event string
	// Data is the event's data lines joined by "\n".
	Data []byte
	// ID is the last event ID: the value of the most recent "id:" field of
	// this or an earlier event, as the standard defines it.
	ID string
}

// Reader decodes a stream of server-sent events. It follows the WHATWG
// event-stream rules: lines end in "\n", "\r\n" or "\r"; a leading byte
// order mark is skipped; lines starting with ":" are comments; one space
// after a field's colon is dropped; a blank line dispatches the event; an
// event with no data field is not dispatched; an incomplete event at the
// end of the stream is discarded. The "retry" field is ignored.
//
// A Reader reuses its buffers: the Data of an Event is valid only until the
// next call to Next (or Release). A Reader is not safe for concurrent use.
type Reader struct {
	br      *bufio.Reader
	line    []byte // assembles lines longer than the bufio buffer
	data    []byte // the data buffer of the event being read
	hasData bool   // a data field was seen, even an empty one
	event   string // the event type buffer
	id      string // the last event ID
	skipLF  bool   // the previous line ended in "\r": drop a following "\n"
	started bool   // the first line was read (and its byte order mark dropped)
	err     error  // sticky error
}

// buffers holds the bufio.Readers of released Readers: a stream's
// buffer, made and zeroed for each, cost 2% of a relayed stream's CPU.
var buffers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}

// errReleased is what a released Reader returns.
var errReleased = errors.New("sse: reader released")

// NewReader returns a Reader that decodes r.
func NewReader(r io.Reader) *Reader {
	br := buffers.Get().(*bufio.Reader)
	br.Reset(r)
	return &Reader{br: br}
}

// Release hands the Reader's buffer on to later Readers, once the caller
// is done with it (at the end of its stream, say); it then returns an
// error from Next and false from Buffered. It must not run at the same
// time as another method. Calling it is optional: a Reader that is not
// released is collected as any value.
func (r *Reader) Release() {
	if r.br == nil {
		return
	}
	r.br.Reset(nil)
	buffers.Put(r.br)
	r.br = nil
	r.err = errReleased
}

// Next returns the next event. It returns io.EOF at the end of the stream,
// ErrTooLong for a line or data longer than MaxLine, or the error of the
// underlying reader; after an error, every call returns it again.
func (r *Reader) Next() (Event, error) {
	if r.err != nil {
		return Event{}, r.err
	}
	if ev, ok := r.plain(); ok {
		return ev, nil
	}
	for {
		line, err := r.readLine()
		if err != nil {
			r.err = err
			return Event{}, err
		}
		if len(line) == 0 {
			if ev, ok := r.dispatch(); ok {
				return ev, nil
			}
			continue
		}
		if err := r.field(line); err != nil {
			r.err = err
			return Event{}, err
		}
	}
}

// plain returns the next event when it is whole in the buffer and plain,
// as nearly every event of a chat stream is: one "data: " line without
// "\r", and the blank line after it, both ending in "\n". Its Data is
// then the line in the buffer, not a copy; it stays valid until the
// buffer is read into again, which only a later call does.
func (r *Reader) plain() (Event, bool) {
	// Between events (as every call starts) but for the first line, whose
	// byte order mark the slow path drops, and a "\r" whose "\n" is due.
	if !r.started || r.skipLF {
		return Event{}, false
	}
	b, _ := r.br.Peek(r.br.Buffered()) // never fails for what is buffered
	i := plainLine(b)
	if i < 0 {
		return Event{}, false
	}
	data := b[len(prefixData):i]
	if bytes.IndexByte(data, '\r') >= 0 {
		return Event{}, false
	}
	_, _ = r.br.Discard(i + 2)
	return Event{Data: data, ID: r.id}, true
}

// plainLine returns the index of the "\n" that ends b's first line when
// b starts with a whole event of one "data: " line and a blank "\n"
// line; -1 otherwise.
func plainLine(b []byte) int {
	if !bytes.HasPrefix(b, prefixData) {
		return -1
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 && i+1 < len(b) && b[i+1] == '\n' {
		return i
	}
	return -1
}

// dispatch ends the current event and reports whether it has data.
func (r *Reader) dispatch() (Event, bool) {
	if !r.hasData {
		r.event = ""
		return Event{}, false
	}
	ev := Event{Event: r.event, Data: r.data, ID: r.id}
	// The data buffer gets a "\n" after every data line; the last one goes.
	if n := len(ev.Data); n > 0 {
		ev.Data = ev.Data[:n-1]
	}
	r.data = r.data[:0]
	r.hasData = false
	r.event = ""
	return ev, true
}

var (
	fieldData  = []byte("data")
	fieldEvent = []byte("event")
	fieldID    = []byte("id")
)

// field processes one non-blank line.
func (r *Reader) field(line []byte) error {
	if line[0] == ':' {
		return nil // a comment
	}
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch {
	case bytes.Equal(name, fieldData):
		if len(r.data)+len(value)+1 > MaxLine {
			return ErrTooLong
		}
		r.data = append(r.data, value...)
		r.data = append(r.data, '\n')
		r.hasData = true
	case bytes.Equal(name, fieldEvent):
		// Compare before converting so a repeated event name, the common
		// case, does not allocate.
		if string(value) != r.event {
			r.event = string(value)
		}
	case bytes.Equal(name, fieldID):
		if bytes.IndexByte(value, 0) < 0 && string(value) != r.id {
			r.id = string(value)
		}
	}
	return nil
}

// readLine returns the next line without its terminator. The line is valid
// until the next call. At the end of the stream it returns io.EOF, dropping
// an unterminated last line (which could only belong to an event that is
// never dispatched).
func (r *Reader) readLine() ([]byte, error) {
	r.line = r.line[:0]
	for {
		buf, err := r.fill()
		if err != nil {
			return nil, err
		}
		if r.skipLF {
			r.skipLF = false
			if buf[0] == '\n' {
				_, _ = r.br.Discard(1)
				buf = buf[1:]
				if len(buf) == 0 {
					continue
				}
			}
		}
		i := indexEOL(buf)
		if i < 0 {
			if len(r.line)+len(buf) > MaxLine {
				return nil, ErrTooLong
			}
			r.line = append(r.line, buf...)
			_, _ = r.br.Discard(len(buf))
			continue
		}
		if len(r.line)+i > MaxLine {
			return nil, ErrTooLong
		}
		r.skipLF = buf[i] == '\r'
		var line []byte
		if len(r.line) == 0 {
			// The common case: the whole line is buffered. The slice stays
			// valid after Discard until the bufio.Reader reads again.
			line = buf[:i]
		} else {
			r.line = append(r.line, buf[:i]...)
			line = r.line
		}
		_, _ = r.br.Discard(i + 1)
		if !r.started {
			// A byte order mark cannot hold a line break, so a whole one
			// starts the first line if the stream has one.
			r.started = true
			line = bytes.TrimPrefix(line, bom)
		}
		return line, nil
	}
}

// fill returns the buffered bytes, reading more if none are buffered.
func (r *Reader) fill() ([]byte, error) {
	if r.br.Buffered() == 0 {
		if _, err := r.br.Peek(1); err != nil {
			return nil, err
		}
	}
	return r.br.Peek(r.br.Buffered())
}

var bom = []byte("\xEF\xBB\xBF")

// indexEOL returns the index of the first "\r" or "\n" in b, or -1.
func indexEOL(b []byte) int {
	n := bytes.IndexByte(b, '\n')
	if n < 0 {
		n = len(b)
	}
	if c := bytes.IndexByte(b[:n], '\r'); c >= 0 {
		return c
	}
	if n == len(b) {
		return -1
	}
	return n
}

// Buffered reports whether a whole data event has already been read from
// the underlying reader and waits in the buffer: the next call to Next
// will not wait for the network (unless that event is one the caller
// skips). Part of an event, or only comments, do not count, so a relay
// that flushes when Buffered is false never sits on an event while the
// stream is quiet.
func (r *Reader) Buffered() bool {
	if r.err != nil {
		return false
	}
	n := r.br.Buffered()
	if n == 0 {
		return false
	}
	b, _ := r.br.Peek(n) // never fails for n <= Buffered
	if !r.skipLF && plainLine(b) >= 0 {
		return true // the common case, in one look
	}
	if r.skipLF && len(b) > 0 && b[0] == '\n' {
		b = b[1:]
	}
	for len(b) > 0 {
		end := bytes.Index(b, []byte("\n\n"))
		// A CRLF blank line ahead of end would start before end+3: looking
		// no further keeps Buffered from reading the whole buffer (32 KiB
		// of events behind a fast upstream) at every chunk.
		crlfIn := b
		if end >= 0 {
			crlfIn = b[:min(len(b), end+3)]
		}
		if crlf := bytes.Index(crlfIn, []byte("\r\n\r\n")); crlf >= 0 && (end < 0 || crlf < end) {
			end = crlf
		}
		if end < 0 {
			return false // the rest of an event is still on its way
		}
		ev := b[:end]
		if bytes.HasPrefix(ev, []byte("data:")) || bytes.Contains(ev, []byte("\ndata:")) {
			return true
		}
		b = b[end+2:]
		b = bytes.TrimLeft(b, "\r\n")
	}
	return false
}
