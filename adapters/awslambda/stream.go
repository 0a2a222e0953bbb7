package awslambda

import (
	"bufio"
	"io"
	"net/http"
)

// streamBuffer is how much a streamed response gathers before it writes
// through without a Flush, as a net/http server's ResponseWriter does.
const streamBuffer = 4 << 10

// head is what a streamed response begins with: its status and headers,
// or the error that ended the handler before it wrote anything.
type head struct {
	status int
	header http.Header
	err    error
}

// stream is the http.ResponseWriter of a streamed response. The handler
// writes into a pipe whose other end is the body Lambda reads; the status
// and headers go out (on ready) at the first Write or Flush, or when the
// handler returns. Like any http.ResponseWriter it is for the handler's
// goroutine only.
type stream struct {
	header    http.Header
	status    int
	sent      http.Header
	committed bool
	ready     chan<- head
	pipe      *io.PipeWriter
	buf       *bufio.Writer
}

var _ http.Flusher = (*stream)(nil)

func newStream(pipe *io.PipeWriter, ready chan<- head) *stream {
	return &stream{header: make(http.Header), ready: ready, pipe: pipe, buf: bufio.NewWriterSize(pipe, streamBuffer)}
}

func (w *stream) Header() http.Header { return w.header }

func (w *stream) WriteHeader(code int) {
	if w.status != 0 || (code >= 100 && code < 200 && code != http.StatusSwitchingProtocols) {
		return
	}
	w.status = code
	w.sent = w.header.Clone()
}

func (w *stream) Write(p []byte) (int, error) {
	w.commit()
	return w.buf.Write(p)
}

// Flush sends what was written so far to the client.
func (w *stream) Flush() { _ = w.FlushError() }

// FlushError is Flush that reports a body Lambda stopped reading; it is
// what http.ResponseController.Flush calls.
func (w *stream) FlushError() error {
	w.commit()
	return w.buf.Flush()
}

// commit sends the status and headers, once.
func (w *stream) commit() {
	if w.committed {
		return
	}
	w.WriteHeader(http.StatusOK)
	w.committed = true
	w.ready <- head{status: w.status, header: w.sent}
}
