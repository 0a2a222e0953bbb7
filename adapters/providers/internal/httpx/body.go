package httpx

import (
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// After the end of a stream, CloseStream reads the rest of the body,
// normally just the end of the chunked encoding, so that an HTTP/1.1
// connection goes back to the pool instead of being closed; a server that
// keeps the body open is cut off after drainTimeout.
const (
	drainTimeout = 50 * time.Millisecond
	drainMax     = 4 << 10
)

// CloseStream closes a streamed response body. ended says the stream was
// read to its end marker: the little that is left is drained first so the
// connection can be reused. Before the end, closing the body closes the
// connection, which is how a provider learns to stop generating.
func CloseStream(body io.ReadCloser, ended bool) error {
	if ended {
		t := time.AfterFunc(drainTimeout, func() { _ = body.Close() })
		_, _ = io.CopyN(io.Discard, body, drainMax)
		t.Stop()
	}
	return body.Close()
}

// ExpectEventStream checks that an accepted streaming call answered with
// text/event-stream; if not, it closes the body and returns a Delivered
// CodeUpstream error (the provider accepted the request).
func ExpectEventStream(name string, resp *http.Response) error {
	ct := resp.Header.Get("Content-Type")
	if isEventStream(ct) {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(ct)
	if mt == "text/event-stream" {
		return nil
	}
	_ = resp.Body.Close()
	got := `"` + mt + `"`
	if mt == "" {
		got = "no content type"
	}
	return &gateway.Error{Code: gateway.CodeUpstream, Status: resp.StatusCode, Delivered: true,
		Message: name + ": expected text/event-stream, got " + got}
}

// isEventStream reports, without parsing, the Content-Type providers
// send with a stream: text/event-stream, maybe with parameters. Anything
// else is left to mime.ParseMediaType, which this saves a map and a
// lowercased copy on the way to a stream's first chunk.
func isEventStream(ct string) bool {
	const mt = "text/event-stream"
	if len(ct) < len(mt) || !strings.EqualFold(ct[:len(mt)], mt) {
		return false
	}
	return len(ct) == len(mt) || ct[len(mt)] == ';'
}
