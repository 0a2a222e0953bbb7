package gemini

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
	"github.com/tollgate-ai/tollgate/internal/sse"
)

// ChatStream translates req (see toRequest), sends it to
// streamGenerateContent?alt=sse and returns once the provider has answered
// 200 with text/event-stream; an error status is mapped (Delivered false)
// before it returns, so a failure to start can fail over. The caller's req
// is not changed.
//
// Each event is a GenerateContentResponse; the stream just ends after the
// last, with no end marker. The events become chunks (object
// "chat.completion.chunk", one id and model throughout: the first event's
// responseId and modelVersion): a candidate's first delta has role
// "assistant"; text parts are content deltas; each function call (they
// arrive whole) one tool call delta with its index among the message's
// calls, its id, type function, its name and all its arguments; a
// finishReason the choice's finish_reason (see finishReason). Thoughts are
// not streamed: the canonical delta has no field for them. When the
// request asks for usage in the stream, a last chunk with no choices
// carries the usage of the last usageMetadata.
//
// Config.Timeout does not apply; ctx bounds the whole stream, and
// canceling it ends a Next in progress.
func (u *Upstream) ChatStream(ctx context.Context, cred *gateway.Credential, req *gateway.ChatRequest) (gateway.ChatStream, error) {
	body, target, err := u.chatRequest(req, "streamGenerateContent")
	if err != nil {
		return nil, err
	}
	c, err := u.do(ctx, http.MethodPost, target+"?alt=sse", body, cred, "text/event-stream")
	if err != nil {
		return nil, err
	}
	if err := httpx.ExpectEventStream("gemini", c.Resp); err != nil {
		return nil, err
	}
	return newStream(ctx, c.Resp.Body, c.Secret, req.Model, req.WantsUsageInStream(), time.Now()), nil
}

// stream is a gateway.ChatStream over a Gemini event stream.
type stream struct {
	ctx       context.Context
	body      io.ReadCloser
	events    *sse.Reader
	secret    string
	wantUsage bool
	created   int64

	id, model string
	started   bool
	usage     *usageMetadata
	choices   map[int]*choiceState // by candidate index
	pending   []*gateway.ChatChunk
	err       error       // sticky: io.EOF or a *gateway.Error
	done      atomic.Bool // the stream ended; set for Close, which may run on another goroutine
	closeOnce sync.Once
}

// choiceState is what the stream knows of one candidate.
type choiceState struct {
	roleSent bool
	calls    int // function calls sent
	finished bool
}

func newStream(ctx context.Context, body io.ReadCloser, secret, model string, wantUsage bool, now time.Time) *stream {
	return &stream{ctx: ctx, body: body, events: sse.NewReader(body), secret: secret, model: model,
		wantUsage: wantUsage, created: now.Unix(), choices: map[int]*choiceState{}}
}

// maxChoices bounds the candidates a stream tracks: the API makes at most
// 8, and a stream naming more is not one to trust.
const maxChoices = 64

// Next returns the next chunk, or io.EOF after the end of the stream (and
// the usage chunk). Errors are *gateway.Error with Delivered true, since
// the provider accepted the request: CodeUpstream for an error object in
// the stream (Type its status), a malformed event, a broken connection, or
// a stream that ends before every candidate has a finish reason ("stream
// ended before a finish reason"); CodeUpstreamTimeout for a deadline;
// CodeUpstream wrapping context.Canceled when ctx was canceled.
func (s *stream) Next() (*gateway.ChatChunk, error) {
	for {
		if len(s.pending) > 0 {
			c := s.pending[0]
			s.pending = s.pending[1:]
			return c, nil
		}
		if s.err != nil {
			return nil, s.err
		}
		ev, err := s.events.Next()
		if err != nil {
			s.err = s.endError(err)
			continue
		}
		if len(ev.Data) == 0 {
			continue
		}
		var r response
		if err := json.Unmarshal(ev.Data, &r); err != nil {
			s.err = &gateway.Error{Code: gateway.CodeUpstream, Message: "gemini: invalid stream event", Delivered: true, Err: err}
			continue
		}
		if r.Error != nil {
			s.err = streamError(r.Error, s.secret)
			continue
		}
		if c, err := s.translate(&r); err != nil {
			s.err = err
		} else if c != nil {
			return c, nil
		}
	}
}

// translate turns one event into a chunk, or nil for an event that adds
// nothing a client sees.
func (s *stream) translate(r *response) (*gateway.ChatChunk, error) {
	if !s.started {
		s.started = true
		s.id = r.ResponseID
		if s.id == "" {
			s.id = newID("gemini-")
		}
		if r.ModelVersion != "" {
			s.model = shortModel(r.ModelVersion)
		}
	}
	if r.UsageMetadata != nil {
		s.usage = r.UsageMetadata
	}
	if len(r.Candidates) == 0 && r.PromptFeedback != nil && r.PromptFeedback.BlockReason != "" {
		r.Candidates = []candidate{{FinishReason: "SAFETY"}} // one choice, stopped by the filter
	}
	var choices []gateway.ChunkChoice
	for _, cand := range r.Candidates {
		st := s.choices[cand.Index]
		if st == nil {
			if len(s.choices) >= maxChoices {
				return nil, &gateway.Error{Code: gateway.CodeUpstream, Message: "gemini: too many candidates in stream", Delivered: true}
			}
			st = &choiceState{}
			s.choices[cand.Index] = st
		}
		var d gateway.Delta
		if !st.roleSent {
			d.Role, st.roleSent = "assistant", true
		}
		if cand.Content != nil {
			for _, p := range cand.Content.Parts {
				switch {
				case p.FunctionCall != nil:
					i := st.calls
					st.calls++
					d.ToolCalls = append(d.ToolCalls, toolCall(p.FunctionCall, &i))
				case !p.Thought:
					d.Content += p.Text
				}
			}
		}
		finish := finishReason(cand.FinishReason, st.calls > 0)
		if finish != "" {
			st.finished = true
		}
		if d.Role == "" && d.Content == "" && d.ToolCalls == nil && finish == "" {
			continue
		}
		choices = append(choices, gateway.ChunkChoice{Index: cand.Index, Delta: d, FinishReason: finish})
	}
	if len(choices) == 0 {
		return nil, nil
	}
	c := s.chunk()
	c.Choices = choices
	return c, nil
}

// chunk returns an empty chunk of this message.
func (s *stream) chunk() *gateway.ChatChunk {
	return &gateway.ChatChunk{ID: s.id, Object: "chat.completion.chunk", Created: s.created, Model: s.model}
}

// endError maps the error that ended the event stream. A clean end after
// every candidate finished is the stream's end: the usage chunk, if the
// request asked for it, is queued before io.EOF.
func (s *stream) endError(err error) error {
	if err == io.EOF {
		if !s.finished() {
			return &gateway.Error{Code: gateway.CodeUpstream, Message: "gemini: stream ended before a finish reason", Delivered: true}
		}
		s.done.Store(true)
		if s.wantUsage && s.usage != nil {
			u := usage(s.usage)
			c := s.chunk()
			c.Choices = []gateway.ChunkChoice{}
			c.Usage = &u
			s.pending = append(s.pending, c)
		}
		return io.EOF
	}
	if err == sse.ErrTooLong {
		return &gateway.Error{Code: gateway.CodeUpstream, Message: "gemini: stream event too long", Delivered: true, Err: err}
	}
	return httpx.TransportError(s.ctx, "gemini", err, true, s.secret)
}

// finished reports whether the stream had candidates and all of them
// finished.
func (s *stream) finished() bool {
	for _, st := range s.choices {
		if !st.finished {
			return false
		}
	}
	return len(s.choices) > 0
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
