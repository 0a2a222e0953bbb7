package httpx

import (
	"bytes"
	"context"
	"io"
	"slices"
	"sync"
)

// Bodies up to maxFastBody are read whole for a fast decoder; the
// buffers they are read into are kept for the next when no larger than
// maxKeptBuffer.
const (
	maxFastBody   = 8 << 20
	maxKeptBuffer = 256 << 10
)

var bodyBuffers = sync.Pool{New: func() any { return new([]byte) }}

// DecodeWith is Decode with a fast path: the body is read whole and
// handed to fast, which decodes it into v and reports true, or reports
// false (v untouched) to leave it to Decode's json.Decoder. That sees
// the same bytes, then the same end of the body or read error, so it
// gives the same value or error as Decode. fast must not keep the
// slice, which is reused.
func (c *Call) DecodeWith(ctx context.Context, v any, fast func(body []byte) bool) error {
	defer c.Resp.Body.Close()
	p := bodyBuffers.Get().(*[]byte)
	defer func() {
		if cap(*p) <= maxKeptBuffer {
			bodyBuffers.Put(p)
		}
	}()
	b, err := readBody((*p)[:0], c.Resp.Body, c.Resp.ContentLength)
	*p = b
	if err == io.EOF && fast(b) {
		return nil
	}
	var rest io.Reader = c.Resp.Body // what readBody left unread
	if err != nil && err != io.EOF {
		rest = failedReader{err}
	}
	// The decoder must see a read error only where its own reading
	// would have met it, so errReader wraps what it reads.
	body := &errReader{r: io.MultiReader(bytes.NewReader(b), rest)}
	return c.decode(ctx, body, v)
}

// readBody appends what r yields to b until r's end or error, which it
// returns, or until b holds maxFastBody bytes (nil error, more to come).
// size is the body's length when known, to read it into one allocation.
func readBody(b []byte, r io.Reader, size int64) ([]byte, error) {
	if size > 0 && size < maxFastBody {
		b = slices.Grow(b, int(size)+1) // +1: the read that meets the end
	}
	for len(b) < maxFastBody {
		if len(b) == cap(b) {
			b = slices.Grow(b, max(4<<10, len(b)))
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

// failedReader fails as the body did, again, for the decoder.
type failedReader struct{ err error }

func (r failedReader) Read([]byte) (int, error) { return 0, r.err }
