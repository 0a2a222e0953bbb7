package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ChatStream answers a chat request with a stream of chunks.
//
// Failover happens only before the first chunk: ChatStream waits for the
// first chunk of an attempt before it returns, so an upstream that fails
// to start is replaced by the next one and the client never sees it. After
// that, an error ends the stream.
//
// Usage is always asked of the upstream, so every stream is recorded with
// its tokens; the usage chunk reaches the client only when it asked for it
// (stream_options.include_usage). The returned stream must be closed; the
// request is recorded when it ends or is closed.
//
// Errors as Chat.
func (g *Gateway) ChatStream(ctx context.Context, c *Caller, req *ChatRequest) (ChatStream, error) {
	ctx, in := g.begin(ctx, c, "chat", req.Model, true)
	in.req, in.streamed = req, true
	s, err := g.chatStream(ctx, c, req, in)
	if err != nil {
		g.finish(in, err)
		return nil, err
	}
	return s, nil
}

func (g *Gateway) chatStream(ctx context.Context, c *Caller, req *ChatRequest, in *inflight) (*meteredStream, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	est := chatEstimate(req)
	chain, err := g.prepare(ctx, c, in, req.Model, est)
	if err != nil {
		return nil, err
	}
	var out *meteredStream
	err = g.attempt(ctx, chain, in, func(ctx context.Context, h hop, cred *Credential) error {
		sent := *req
		sent.Model = h.model
		sent.Stream = true
		sent.StreamOptions = &StreamOptions{IncludeUsage: true}
		up, err := h.target.upstream.ChatStream(ctx, cred, &sent)
		if err != nil {
			return err
		}
		w := &idleWait{up: up, idle: streamIdle(h.target.provider)}
		raw, _ := up.(RawStream)
		first, err := w.first(raw)
		if err != nil {
			w.stop()
			_ = up.Close()
			if errors.Is(err, io.EOF) {
				return &Error{Code: CodeUpstream, Message: "the upstream stream ended before its first chunk", Delivered: true}
			}
			return err
		}
		in.rec.FirstByte = g.clock.Now().Sub(in.start)
		out = &meteredStream{g: g, in: in, up: up, raw: raw, first: first, pending: true, wantUsage: req.WantsUsageInStream(),
			keep: g.wantsBodies(h.target.provider.ID), promptBytes: est.promptBytes, wait: w}
		return nil
	})
	return out, err
}

// meteredStream relays an upstream stream to the client, keeps the usage
// it reports, and records the request when it ends.
type meteredStream struct {
	g   *Gateway
	in  *inflight
	up  ChatStream
	raw RawStream // up, when it can hand out chunks undecoded
	// first is the chunk ChatStream waited for, until it is handed out
	// (pending): undecoded where up is a RawStream, so that the time to
	// first token has no decoding and encoding in it.
	first     RawChunk
	pending   bool
	wantUsage bool
	keep      bool // keep the chunks for the record's ResponseBody

	// delivered counts the bytes of content and tool arguments sent to
	// the client, and promptBytes the prompt's: a stream that ends with
	// no usage reported (the client left before the usage chunk) is
	// charged for what it was sent, a token per four bytes.
	delivered   int64
	promptBytes int64
	reported    bool
	// wait bounds the wait for each chunk (the provider's
	// stream_idle_seconds).
	wait *idleWait

	mu  sync.Mutex // Close may come from another goroutine than Next
	end error
}

// Next returns the next chunk for the client.
func (s *meteredStream) Next() (*ChatChunk, error) {
	for {
		var c *ChatChunk
		var err error
		if s.pending {
			s.pending = false
			if c = s.first.Chunk; c == nil {
				c, err = decodeRawChunk(s.first.JSON)
			}
		} else {
			c, err = s.wait.next()
		}
		if err != nil {
			s.stop(err)
			return nil, err
		}
		if s.meter(c) {
			return c, nil
		}
	}
}

// NextRaw returns the next chunk for the client as the upstream sent it
// when the upstream is a RawStream and the chunk needs no change, or
// else decoded (see RawStream).
func (s *meteredStream) NextRaw() (RawChunk, error) {
	if s.raw == nil {
		c, err := s.Next()
		return RawChunk{Chunk: c}, err
	}
	for {
		var r RawChunk
		var err error
		if s.pending {
			r, s.pending = s.first, false
		} else if r, err = s.wait.nextRaw(s.raw); err != nil {
			s.stop(err)
			return RawChunk{}, err
		}
		if r.Chunk != nil {
			if s.meter(r.Chunk) {
				return r, nil
			}
			continue
		}
		s.delivered += int64(r.Text)
		if s.keep && len(s.in.stream) < maxBody {
			s.in.stream = append(append(s.in.stream, r.JSON...), '\n')
		}
		return r, nil
	}
}

// decodeRawChunk decodes a chunk a RawStream handed out undecoded, for a
// reader of Next: by RawStream's contract, an OpenAI chunk as the
// upstream sent it, with nothing in it the upstream had to read.
func decodeRawChunk(data []byte) (*ChatChunk, error) {
	c := new(ChatChunk)
	var d ChunkDecoder
	if !d.Decode(data, c) {
		if err := json.Unmarshal(data, c); err != nil {
			return nil, &Error{Code: CodeUpstream, Message: "invalid stream chunk", Delivered: true, Err: err}
		}
	}
	c.SetWire(data)
	return c, nil
}

// meter counts the text of c and keeps the usage it reports. It reports
// false for a chunk the client is not to be sent: usage it did not ask
// for, alone in its chunk.
func (s *meteredStream) meter(c *ChatChunk) bool {
	for i := range c.Choices {
		d := &c.Choices[i].Delta
		s.delivered += int64(len(d.Content) + len(d.Refusal))
		for _, tc := range d.ToolCalls {
			s.delivered += int64(len(tc.Function.Name) + len(tc.Function.Arguments))
		}
	}
	if c.Usage != nil {
		s.reported = true
		s.in.rec.Usage = *c.Usage
		if c.Model != "" {
			s.in.rec.ServedModel = c.Model
		}
		if !s.wantUsage {
			if len(c.Choices) == 0 {
				return false
			}
			c.Usage = nil
			c.SetWire(nil)
		}
	}
	if s.keep && len(s.in.stream) < maxBody {
		if b, err := AppendRelayedChunk(s.in.stream, c); err == nil {
			s.in.stream = append(b, '\n')
		}
	}
	return true
}

// Buffered reports whether the upstream has data of the next chunk at
// hand (see the Buffered interface).
func (s *meteredStream) Buffered() bool {
	return s.pending || StreamBuffered(s.up)
}

// Close ends the stream; closed before its end, the request is recorded
// as canceled by the client.
func (s *meteredStream) Close() error {
	err := s.up.Close()
	s.stop(context.Canceled)
	return err
}

// stop records the request once: io.EOF is success.
func (s *meteredStream) stop(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.end != nil {
		return
	}
	s.end = err
	s.wait.stop()
	if errors.Is(err, io.EOF) {
		err = nil
	}
	if s.in.endAttempt != nil {
		s.in.endAttempt(err)
	}
	if !s.reported && s.delivered > 0 {
		// What the upstream never counted is estimated from what reached
		// the client, so a stream cut short is still paid for.
		prompt, completion := int(s.promptBytes/4+1), int((s.delivered+3)/4)
		s.in.rec.Usage = Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion}
	}
	s.g.finish(s.in, err)
}

// DefaultStreamIdle is how long a stream may go without a chunk before it
// is cut as timed out, unless the provider's stream_idle_seconds says
// otherwise.
const DefaultStreamIdle = 5 * time.Minute

// streamIdle is a provider's stream_idle_seconds, or DefaultStreamIdle.
func streamIdle(p *Provider) time.Duration {
	if n, err := strconv.Atoi(p.Options["stream_idle_seconds"]); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return DefaultStreamIdle
}

// idleWait is up.Next bounded by idle: when no chunk comes in time the
// upstream stream is closed (which ends the provider's generation) and
// the error is CodeUpstreamTimeout, Delivered. Only time spent waiting
// for a chunk counts, not time the client takes to read one.
//
// A wait only counts itself (waits is odd during one); one timer for the
// whole stream ticks every quarter of idle and cuts the wait it has seen
// running at five ticks in a row, so a stream is cut between idle and
// 1.25 idle into a silence. Resetting a timer at every chunk cost 3% of
// a relayed stream's CPU, and reading the clock at every chunk 2.5%.
type idleWait struct {
	up    ChatStream
	idle  time.Duration              // zero waits as long as the client does
	timer atomic.Pointer[time.Timer] // stop may run on another goroutine
	waits atomic.Uint64              // one more at each wait's beginning and end
	idled atomic.Bool
	done  atomic.Bool

	// Only check, in the timer's goroutine, uses these.
	seen  uint64 // waits at the last tick
	ticks int    // ticks in a row that have seen the same wait
}

// idleTicks is how many ticks make idle.
const idleTicks = 4

// first waits for a stream's first chunk: from raw, when the upstream
// is a RawStream, as a copy that outlives the stream's next call.
func (w *idleWait) first(raw RawStream) (RawChunk, error) {
	if raw == nil {
		c, err := w.next()
		return RawChunk{Chunk: c}, err
	}
	r, err := w.nextRaw(raw)
	if r.JSON != nil {
		r.JSON = bytes.Clone(r.JSON)
	}
	return r, err
}

func (w *idleWait) next() (*ChatChunk, error) {
	w.begin()
	c, err := w.up.Next()
	return c, w.end(err)
}

func (w *idleWait) nextRaw(raw RawStream) (RawChunk, error) {
	w.begin()
	r, err := raw.NextRaw()
	return r, w.end(err)
}

// begin notes that a wait begins, starting the timer at the first.
func (w *idleWait) begin() {
	if w.idle <= 0 {
		return
	}
	w.waits.Add(1)
	if w.timer.Load() == nil {
		// Stored before it can fire: Reset orders the store before check.
		t := time.AfterFunc(time.Duration(math.MaxInt64), w.check)
		w.timer.Store(t)
		t.Reset(w.idle / idleTicks)
	}
}

// end notes that the wait ended with err, and makes err a timeout when
// the timer cut it.
func (w *idleWait) end(err error) error {
	if w.idle <= 0 {
		return err
	}
	w.waits.Add(1)
	if err != nil && w.idled.Load() {
		return &Error{Code: CodeUpstreamTimeout, Delivered: true, Err: err,
			Message: "the upstream sent nothing for " + w.idle.String()}
	}
	return err
}

// check runs at each tick: it cuts a wait it has seen at idleTicks
// ticks before this one, which has lasted at least idle.
func (w *idleWait) check() {
	if w.done.Load() {
		return
	}
	if n := w.waits.Load(); n%2 == 0 || n != w.seen {
		w.seen, w.ticks = n, 0
	} else if w.ticks++; w.ticks >= idleTicks {
		w.idled.Store(true)
		_ = w.up.Close()
		return
	}
	w.timer.Load().Reset(w.idle / idleTicks)
}

// stop stops the timer for good, at the end of the stream.
func (w *idleWait) stop() {
	w.done.Store(true)
	if t := w.timer.Load(); t != nil {
		t.Stop()
	}
}
