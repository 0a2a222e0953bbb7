package openaiapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/tollgate-ai/tollgate/adapters/providers/internal/httpx"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/sse"
)

// ChatStream sends req with "stream": true to POST {base}/chat/completions
// (or where WithURL says) and returns once the provider has answered 200
// with text/event-stream; an error status is mapped (Delivered false)
// before it returns, so a failure to start can fail over. The caller's
// req is not changed.
//
// Config.Timeout does not apply; ctx bounds the whole stream, and
// canceling it ends a Next in progress.
func (u *Upstream) ChatStream(ctx context.Context, cred *gateway.Credential, req *gateway.ChatRequest) (gateway.ChatStream, error) {
	body, model, err := u.chatBody(req, true)
	if err != nil {
		return nil, err
	}
	c, err := u.do(ctx, http.MethodPost, u.url(OpChat, model), body, cred, "text/event-stream")
	if err != nil {
		return nil, err
	}
	if err := httpx.ExpectEventStream(u.name, c.Resp); err != nil {
		return nil, err
	}
	return &stream{
		u:         u,
		ctx:       ctx,
		body:      c.Resp.Body,
		events:    sse.NewReader(c.Resp.Body),
		secret:    c.Secret,
		decoder:   gateway.ChunkDecoder{Refuse: eventMembers},
		skimmer:   gateway.ChunkSkimmer{Refuse: eventMembers},
		wantUsage: req.WantsUsageInStream() && !u.omits("stream_options"),
	}, nil
}

// stream is a gateway.ChatStream over an OpenAI event stream.
type stream struct {
	u         *Upstream
	ctx       context.Context
	body      io.ReadCloser
	events    *sse.Reader
	secret    string
	wantUsage bool

	// decoder decodes chunks in one pass; error events and Groq's usage
	// are chunkEvent's own members, left to json.Unmarshal.
	decoder   gateway.ChunkDecoder
	skimmer   gateway.ChunkSkimmer // reads the chunks NextRaw hands on undecoded
	finished  bool                 // a chunk had a finish_reason
	sawUsage  bool
	err       error       // sticky: io.EOF or a *gateway.Error
	done      atomic.Bool // [DONE] was read; set for Close, which may run on another goroutine
	closeOnce sync.Once
}

// chunkEvent is a chunk or an error event: OpenAI reports a failure in the
// middle of a stream as {"error": {...}} in a data event. Groq reports a
// stream's usage in x_groq.usage of its last chunk.
type chunkEvent struct {
	gateway.ChatChunk
	Error *apiError `json:"error"`
	XGroq *struct {
		Usage *gateway.Usage `json:"usage"`
	} `json:"x_groq"`
}

var doneData = []byte("[DONE]")

// eventMembers are the names of the members chunkEvent adds to
// ChatChunk: a chunk with one is left to json.Unmarshal.
var eventMembers = []string{"error", "x_groq"}

// Next returns the next chunk, or io.EOF after "data: [DONE]". Errors are
// *gateway.Error with Delivered true, since the provider accepted the
// request: CodeUpstream for an error event, a malformed chunk, a broken
// connection, or an end without [DONE] ("stream ended before [DONE]");
// CodeUpstreamTimeout for a deadline; CodeUpstream wrapping
// context.Canceled when ctx was canceled.
//
// Some OpenAI-compatible servers omit [DONE]; a clean end of the body is
// accepted as the end of the stream if it came after a chunk with a
// finish_reason and, when the request asked for usage, the usage chunk.
func (s *stream) Next() (*gateway.ChatChunk, error) {
	data, event, err := s.nextEvent()
	if err != nil {
		return nil, err
	}
	return s.decode(data, event)
}

// NextRaw is Next, but for a chunk that carries no usage and no error it
// returns the chunk's JSON undecoded (see gateway.RawStream), read only
// for its text and finish_reason.
func (s *stream) NextRaw() (gateway.RawChunk, error) {
	data, event, err := s.nextEvent()
	if err != nil {
		return gateway.RawChunk{}, err
	}
	if event != "error" {
		if sk, ok := s.skimmer.Skim(data); ok {
			s.finished = s.finished || sk.Finished
			return gateway.RawChunk{JSON: data, Text: sk.Text}, nil
		}
	}
	c, err := s.decode(data, event)
	return gateway.RawChunk{Chunk: c}, err
}

// nextEvent returns the data of the next event that has any, and the
// event's name; the end of the stream and [DONE] end it.
func (s *stream) nextEvent() ([]byte, string, error) {
	if s.err != nil {
		return nil, "", s.err
	}
	for {
		ev, err := s.events.Next()
		if err != nil {
			return nil, "", s.end(s.endError(err))
		}
		data := bytes.TrimSpace(ev.Data)
		if len(data) == 0 {
			continue
		}
		if bytes.Equal(data, doneData) {
			s.done.Store(true)
			return nil, "", s.end(io.EOF)
		}
		return data, ev.Event, nil
	}
}

// decode decodes an event's data as a chunk or an error event.
func (s *stream) decode(data []byte, event string) (*gateway.ChatChunk, error) {
	v := new(chunkEvent)
	if !s.decoder.Decode(data, &v.ChatChunk) {
		if err := json.Unmarshal(data, v); err != nil {
			return nil, s.end(&gateway.Error{Code: gateway.CodeUpstream, Message: s.u.name + ": invalid stream chunk",
				Delivered: true, Err: err})
		}
	}
	if v.Error != nil || event == "error" {
		if v.Error == nil {
			v.Error = &apiError{}
		}
		return nil, s.end(s.u.streamError(v.Error, s.secret))
	}
	for i := range v.Choices {
		if v.Choices[i].FinishReason != "" {
			s.finished = true
		}
	}
	if v.Usage == nil && v.XGroq != nil && v.XGroq.Usage != nil {
		v.Usage = v.XGroq.Usage // moved to where OpenAI puts it: re-encoded
	} else {
		v.SetWire(data)
	}
	if v.Usage != nil {
		s.sawUsage = true
	}
	return &v.ChatChunk, nil
}

// end makes err the stream's last word, and lets the next stream have
// the event reader's buffer.
func (s *stream) end(err error) error {
	s.err = err
	s.events.Release()
	return err
}

// endError maps the error that ended the event stream.
func (s *stream) endError(err error) error {
	if err == io.EOF {
		if s.finished && (s.sawUsage || !s.wantUsage) {
			return io.EOF
		}
		return &gateway.Error{Code: gateway.CodeUpstream, Message: s.u.name + ": stream ended before [DONE]", Delivered: true}
	}
	if err == sse.ErrTooLong {
		return &gateway.Error{Code: gateway.CodeUpstream, Message: s.u.name + ": stream event too long", Delivered: true, Err: err}
	}
	return httpx.TransportError(s.ctx, s.u.name, err, true, s.secret)
}

// Buffered reports whether the next chunk's event has already arrived
// (gateway.Buffered): OpenAI's stream has no events a reader skips, so
// one at hand is a chunk (or [DONE]) at hand.
func (s *stream) Buffered() bool { return s.err == nil && s.events.Buffered() }

// Close closes the response body; a Next blocked in another goroutine then
// returns an error. Before the end of the stream this also closes the
// connection, which is how the provider learns to stop generating. It is
// safe to call more than once.
func (s *stream) Close() error {
	var err error
	s.closeOnce.Do(func() { err = httpx.CloseStream(s.body, s.done.Load()) })
	return err
}
