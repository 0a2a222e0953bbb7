package anthropic

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-ai/tollgate/adapters/providers/internal/httpx"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
	"github.com/tollgate-ai/tollgate/internal/sse"
)

// ChatStream translates req (see toRequest) with "stream": true, sends it
// to POST {base}/v1/messages and returns once the provider has answered
// 200 with text/event-stream; an error status is mapped (Delivered false)
// before it returns, so a failure to start can fail over. The caller's req
// is not changed.
//
// The events become chunks (object "chat.completion.chunk", the message's
// id and model on each): message_start a first chunk with role
// "assistant"; text deltas content deltas; a tool_use block's start a
// tool call delta (index: the tool call's position among this message's
// tool calls, not the content block's; id, type function, name, arguments
// "") and its input_json_delta fragments argument deltas; message_delta a
// chunk with the finish reason; message_stop, when the request asked for
// usage in the stream, a last chunk with no choices and the usage.
// Thinking is not streamed: the canonical delta has no field for it. The
// response-format tool's input streams as content (see responseFormat).
//
// Config.Timeout does not apply; ctx bounds the whole stream, and
// canceling it ends a Next in progress.
func (u *Upstream) ChatStream(ctx context.Context, cred *gateway.Credential, req *gateway.ChatRequest) (gateway.ChatStream, error) {
	body, jt, err := u.toRequest(req)
	if err != nil {
		return nil, err
	}
	body.Stream = true
	c, err := u.do(ctx, http.MethodPost, u.messagesURL, body, cred, "text/event-stream")
	if err != nil {
		return nil, err
	}
	if err := httpx.ExpectEventStream("anthropic", c.Resp); err != nil {
		return nil, err
	}
	return newStream(ctx, c.Resp.Body, c.Secret, req.WantsUsageInStream(), jt, time.Now()), nil
}

// stream is a gateway.ChatStream over an Anthropic event stream.
type stream struct {
	ctx       context.Context
	body      io.ReadCloser
	events    *sse.Reader
	secret    string
	wantUsage bool
	jt        *jsonTool
	created   int64

	id, model  string
	usage      anthropicwire.Usage
	tools      map[int]int  // content block index → tool call index
	jsonBlocks map[int]bool // blocks of the response-format tool
	calls      int          // tool calls started
	stopped    bool         // message_stop was read; the usage chunk may follow
	err        error        // sticky: io.EOF or a *gateway.Error
	done       atomic.Bool  // the stream ended; set for Close, which may run on another goroutine
	closeOnce  sync.Once
}

func newStream(ctx context.Context, body io.ReadCloser, secret string, wantUsage bool, jt *jsonTool, now time.Time) *stream {
	return &stream{ctx: ctx, body: body, events: sse.NewReader(body), secret: secret, wantUsage: wantUsage, jt: jt,
		created: now.Unix(), tools: map[int]int{}, jsonBlocks: map[int]bool{}}
}

// Next returns the next chunk, or io.EOF after message_stop (and the usage
// chunk). Errors are *gateway.Error with Delivered true, since the
// provider accepted the request: CodeUpstream for an error event (Type
// the error's type, such as overloaded_error), a malformed event, a
// broken connection, or an end before message_stop ("stream ended before
// message_stop"); CodeUpstreamTimeout for a deadline; CodeUpstream
// wrapping context.Canceled when ctx was canceled.
func (s *stream) Next() (*gateway.ChatChunk, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.stopped {
		return s.end()
	}
	for {
		ev, err := s.events.Next()
		if err != nil {
			s.err = s.endError(err)
			return nil, s.err
		}
		var e anthropicwire.Event
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			s.err = &gateway.Error{Code: gateway.CodeUpstream, Message: "anthropic: invalid stream event", Delivered: true, Err: err}
			return nil, s.err
		}
		if e.Type == "" {
			e.Type = ev.Event
		}
		chunk, err := s.translate(&e)
		if err != nil {
			s.err = err
			return nil, err
		}
		if s.stopped {
			if chunk != nil {
				return chunk, nil
			}
			return s.end()
		}
		if chunk != nil {
			return chunk, nil
		}
	}
}

// end returns the usage chunk if the request asked for it, then io.EOF.
func (s *stream) end() (*gateway.ChatChunk, error) {
	s.done.Store(true)
	if s.wantUsage {
		s.wantUsage = false
		u := usage(s.usage)
		c := s.chunk()
		c.Choices = []gateway.ChunkChoice{}
		c.Usage = &u
		return c, nil
	}
	s.err = io.EOF
	return nil, io.EOF
}

// translate turns one event into a chunk, or nil for an event that adds
// nothing a client sees.
func (s *stream) translate(e *anthropicwire.Event) (*gateway.ChatChunk, error) {
	switch e.Type {
	case anthropicwire.EventMessageStart:
		if e.Message != nil {
			s.id, s.model, s.usage = e.Message.ID, e.Message.Model, e.Message.Usage
		}
		return s.delta(gateway.Delta{Role: "assistant"}, ""), nil
	case anthropicwire.EventContentBlockStart:
		return s.blockStart(e), nil
	case anthropicwire.EventContentBlockDelta:
		return s.blockDelta(e), nil
	case anthropicwire.EventMessageDelta:
		s.usage.Update(e.Usage)
		var stop anthropicwire.StopReason
		if e.Delta != nil {
			stop = e.Delta.StopReason
		}
		finish := finishReason(stop)
		if finish == "tool_calls" && s.calls == 0 && len(s.jsonBlocks) > 0 {
			finish = "stop"
		}
		return s.delta(gateway.Delta{}, finish), nil
	case anthropicwire.EventMessageStop:
		s.stopped = true
		return nil, nil
	case anthropicwire.EventError:
		d := e.Error
		if d == nil {
			d = &anthropicwire.ErrorDetail{}
		}
		return nil, streamError(d, s.secret)
	}
	return nil, nil // ping, content_block_stop, and events added later
}

// blockStart handles content_block_start: a tool_use block starts a tool
// call; a text block that comes with text (it normally has none) sends it.
func (s *stream) blockStart(e *anthropicwire.Event) *gateway.ChatChunk {
	b := e.ContentBlock
	if b == nil {
		return nil
	}
	switch b.Type {
	case anthropicwire.BlockText:
		if b.Text != "" {
			return s.delta(gateway.Delta{Content: b.Text}, "")
		}
	case anthropicwire.BlockToolUse:
		if s.jt != nil && b.Name == s.jt.name {
			s.jsonBlocks[e.Index] = true
			return nil
		}
		if _, dup := s.tools[e.Index]; dup {
			return nil
		}
		i := s.calls
		s.calls++
		s.tools[e.Index] = i
		return s.delta(gateway.Delta{ToolCalls: []gateway.ToolCall{{Index: &i, ID: b.ID, Type: "function",
			Function: gateway.FunctionCall{Name: b.Name}}}}, "")
	}
	return nil
}

// blockDelta handles content_block_delta: text and tool input fragments.
func (s *stream) blockDelta(e *anthropicwire.Event) *gateway.ChatChunk {
	d := e.Delta
	if d == nil {
		return nil
	}
	switch d.Type {
	case anthropicwire.DeltaText:
		if d.Text != "" {
			return s.delta(gateway.Delta{Content: d.Text}, "")
		}
	case anthropicwire.DeltaInputJSON:
		if d.PartialJSON == "" {
			return nil
		}
		if s.jsonBlocks[e.Index] {
			return s.delta(gateway.Delta{Content: d.PartialJSON}, "")
		}
		if i, ok := s.tools[e.Index]; ok {
			return s.delta(gateway.Delta{ToolCalls: []gateway.ToolCall{{Index: &i,
				Function: gateway.FunctionCall{Arguments: d.PartialJSON}}}}, "")
		}
	}
	return nil // thinking, signatures and citations are not streamed
}

// chunk returns an empty chunk of this message.
func (s *stream) chunk() *gateway.ChatChunk {
	return &gateway.ChatChunk{ID: s.id, Object: "chat.completion.chunk", Created: s.created, Model: s.model}
}

// delta returns a chunk with one choice.
func (s *stream) delta(d gateway.Delta, finish string) *gateway.ChatChunk {
	c := s.chunk()
	c.Choices = []gateway.ChunkChoice{{Index: 0, Delta: d, FinishReason: finish}}
	return c
}

// endError maps the error that ended the event stream before
// message_stop.
func (s *stream) endError(err error) error {
	if err == io.EOF {
		return &gateway.Error{Code: gateway.CodeUpstream, Message: "anthropic: stream ended before message_stop", Delivered: true}
	}
	if err == sse.ErrTooLong {
		return &gateway.Error{Code: gateway.CodeUpstream, Message: "anthropic: stream event too long", Delivered: true, Err: err}
	}
	return transportError(s.ctx, err, true, s.secret)
}

// Close closes the response body; a Next blocked in another goroutine then
// returns an error. Before the end of the stream this also closes the
// connection, which is how the provider learns to stop generating. It is
// safe to call more than once.
func (s *stream) Close() error {
	var err error
	s.closeOnce.Do(func() { err = httpx.CloseStream(s.body, s.done.Load()) })
	return err
}
