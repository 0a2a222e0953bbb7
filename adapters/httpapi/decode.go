package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"sync"

	"github.com/tollgate-ai/tollgate/gateway"
)

// bodies recycles the buffers chat request bodies are read into;
// ChatRequest.UnmarshalJSON copies what it keeps.
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// pooledBodyMax is the largest buffer put back in bodies, so that one
// huge request does not pin its memory.
const pooledBodyMax = 256 << 10

// decodeChat is decode for the hottest body, a chat request. decode's
// json.Decoder scans the body to find where the value ends, then scans
// it again to hand it to ChatRequest.UnmarshalJSON, which walks it once
// more; reading the body whole and giving it to UnmarshalJSON leaves
// the one walk. What UnmarshalJSON refuses (a body that is not exactly
// one JSON object, of which Decoder would take the first value, or one
// that is not valid) is replayed through decode, read error included,
// so that the answer, success or error, is decode's.
func decodeChat(r *http.Request, req *gateway.ChatRequest) error {
	bp := bodies.Get().(*[]byte)
	data, readErr := readBody(r.Body, (*bp)[:0], r.ContentLength)
	defer func() {
		if cap(data) <= pooledBodyMax {
			*bp = data[:0]
			bodies.Put(bp)
		}
	}()
	if readErr == nil && req.UnmarshalJSON(data) == nil {
		return nil
	}
	*req = gateway.ChatRequest{}
	replay := *r
	replay.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data), errorReader{readErr}))
	return decode(&replay, req, false)
}

// readBody appends all of body to buf, sized first for a declared
// length, and returns it with the first error other than io.EOF.
func readBody(body io.Reader, buf []byte, length int64) ([]byte, error) {
	if length > 0 && length < pooledBodyMax && int(length) >= cap(buf) {
		buf = make([]byte, 0, length+1) // +1: the read that finds EOF
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// errorReader returns err, or io.EOF when it is nil.
type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) {
	if e.err == nil {
		return 0, io.EOF
	}
	return 0, e.err
}
