package mock

import (
	"context"
	"io"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tollgate-ai/tollgate/gateway"
)

// ChatStream answers req as Chat does, streamed: after the latency option
// it returns a stream of a role chunk, the reply split into the chunks
// option's number of content chunks (fewer if the reply has fewer
// characters), a chunk with the finish_reason, and, only if
// req.WantsUsageInStream, a usage chunk with no choices; then io.EOF.
// With N > 1 each step has one chunk per choice. The delay option is
// waited before every chunk but the first.
func (u *Upstream) ChatStream(ctx context.Context, _ *gateway.Credential, req *gateway.ChatRequest) (gateway.ChatStream, error) {
	if err := u.begin(ctx); err != nil {
		return nil, err
	}
	a := u.answer(req)
	text := a.text
	if a.tool != nil {
		text = a.tool.Function.Arguments
	}
	pieces := split(text, u.chunks)
	return &stream{
		ctx:    ctx,
		a:      a,
		pieces: pieces,
		delay:  u.delay,
		usage:  req.WantsUsageInStream(),
		total:  a.n*(len(pieces)+2) + boolInt(req.WantsUsageInStream()),
		closed: make(chan struct{}),
	}, nil
}

// stream makes its chunks as they are asked for.
type stream struct {
	ctx       context.Context
	a         answer
	pieces    []string
	delay     time.Duration
	usage     bool
	total     int // chunks in all
	next      int // index of the next chunk
	err       error
	closed    chan struct{}
	closeOnce sync.Once
}

// Next returns the next chunk, io.EOF after the last. Canceling the
// request's ctx ends it with CodeUpstream wrapping context.Canceled (or
// CodeUpstreamTimeout for a deadline), and after Close it returns
// CodeUpstream "mock: stream closed"; both are Delivered.
func (s *stream) Next() (*gateway.ChatChunk, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.next == s.total {
		s.err = io.EOF
		return nil, io.EOF
	}
	if err := s.wait(); err != nil {
		s.err = err
		return nil, err
	}
	c := s.chunk(s.next)
	s.next++
	return c, nil
}

// wait pauses before every chunk but the first and reports why the
// stream must stop, if it must.
func (s *stream) wait() error {
	if s.next > 0 && s.delay > 0 {
		t := time.NewTimer(s.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.ctx.Done():
		case <-s.closed:
		}
	}
	select {
	case <-s.closed:
		return &gateway.Error{Code: gateway.CodeUpstream, Message: "mock: stream closed", Delivered: true}
	default:
		return wait(s.ctx, 0)
	}
}

// chunk builds chunk i: steps of n chunks (role, each piece, finish),
// then the usage chunk.
func (s *stream) chunk(i int) *gateway.ChatChunk {
	a := &s.a
	c := &gateway.ChatChunk{ID: a.id, Object: "chat.completion.chunk", Created: a.created, Model: a.model,
		SystemFingerprint: fingerprint}
	step, choice := i/a.n, i%a.n
	if step == len(s.pieces)+2 {
		u := a.usage
		c.Choices = []gateway.ChunkChoice{}
		c.Usage = &u
		return c
	}
	cc := gateway.ChunkChoice{Index: choice}
	switch {
	case step == 0:
		cc.Delta.Role = "assistant"
		if a.tool != nil {
			zero := 0
			cc.Delta.ToolCalls = []gateway.ToolCall{{Index: &zero, ID: a.tool.ID, Type: a.tool.Type,
				Function: gateway.FunctionCall{Name: a.tool.Function.Name}}}
		}
	case step <= len(s.pieces):
		piece := s.pieces[step-1]
		if a.tool != nil {
			zero := 0
			cc.Delta.ToolCalls = []gateway.ToolCall{{Index: &zero, Function: gateway.FunctionCall{Arguments: piece}}}
		} else {
			cc.Delta.Content = piece
		}
	default:
		cc.FinishReason = "stop"
		if a.tool != nil {
			cc.FinishReason = "tool_calls"
		}
	}
	c.Choices = []gateway.ChunkChoice{cc}
	return c
}

// Close ends the stream; a Next waiting out the delay returns at once. It
// is safe to call more than once and from another goroutine.
func (s *stream) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return nil
}

// split cuts s into at most n pieces of nearly equal numbers of runes.
func split(s string, n int) []string {
	runes := utf8.RuneCountInString(s)
	if runes == 0 {
		return nil
	}
	n = min(n, runes)
	out := make([]string, 0, n)
	q, r := runes/n, runes%n
	for i := range n {
		size := q
		if i < r {
			size++
		}
		end := 0
		for range size {
			_, w := utf8.DecodeRuneInString(s[end:])
			end += w
		}
		out = append(out, s[:end])
		s = s[end:]
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
