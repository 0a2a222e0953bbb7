package gateway

import (
	"testing"
)

// reusingStream hands out each chunk's JSON in one buffer it overwrites
// at every call, as an event reader does.
type reusingStream struct {
	chunks []string
	buf    []byte
}

func (s *reusingStream) Next() (*ChatChunk, error) { panic("read raw only") }
func (s *reusingStream) Close() error              { return nil }

func (s *reusingStream) NextRaw() (RawChunk, error) {
	s.buf = append(s.buf[:0], s.chunks[0]...)
	s.chunks = s.chunks[1:]
	return RawChunk{JSON: s.buf, Text: 2}, nil
}

// The first chunk waits in the stream while the host writes the headers,
// so it must not share the upstream's buffer.
func TestFirstRawChunkOutlivesTheNextCall(t *testing.T) {
	t.Parallel()
	first := `{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"}}]}`
	up := &reusingStream{chunks: []string{first, `{"id":"c2","object":"chat.completion.chunk","choices":[]}`}}
	w := &idleWait{up: up}
	r, err := w.first(up)
	if err != nil || r.Chunk != nil {
		t.Fatalf("first: %+v, %v", r, err)
	}
	if _, err := up.NextRaw(); err != nil {
		t.Fatal(err)
	}
	if string(r.JSON) != first {
		t.Fatalf("first chunk became %s", r.JSON)
	}
}

// A reader of Next gets the first chunk decoded from its JSON; JSON the
// skimmer let through but that does not decode is the upstream's fault.
func TestDecodeRawChunk(t *testing.T) {
	t.Parallel()
	data := []byte(`{"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"hi"}}]}`)
	c, err := decodeRawChunk(data)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "c1" || c.Model != "m" || len(c.Choices) != 1 || c.Choices[0].Delta.Content != "hi" || string(c.Wire()) != string(data) {
		t.Fatalf("decoded %+v, wire %s", c, c.Wire())
	}
	_, err = decodeRawChunk([]byte(`{"id":"c1","choices":[{"delta":{"content":"hi"}`))
	if e := AsError(err); e == nil || e.Code != CodeUpstream || !e.Delivered {
		t.Fatalf("truncated chunk: %v", err)
	}
}
