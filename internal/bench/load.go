package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is what the requests of a cell ask for.
type Mode string

// Modes of a cell.
const (
	ModeChat      Mode = "chat"       // a whole chat completion
	ModeStream    Mode = "stream"     // a streamed one, chunks back to back
	ModeStreamGap Mode = "stream-gap" // a streamed one, the upstream's gap between chunks
	// ModeStreamLong is a streamed one of LongChunks chunks, back to
	// back: its CPU less ModeStream's, over the chunks more, is what
	// relaying a chunk costs, apart from what a request costs.
	ModeStreamLong Mode = "stream-long"
)

// Streams reports whether m streams.
func (m Mode) Streams() bool { return m != ModeChat }

// endpoint is one target as the load generator sees it: where to send,
// with which key, through a client of its own.
type endpoint struct {
	name   string
	url    string // the chat completions URL
	key    string
	client *http.Client
	proc   *child      // nil for direct: no process of its own
	redis  *redisProbe // tollgate-pg's Redis, nil for the others
}

// newEndpoint returns an endpoint with a tuned client of its own, so
// that no target shares a connection pool with another.
func newEndpoint(name, base, key string, proc *child) *endpoint {
	return &endpoint{name: name, url: base + "/v1/chat/completions", key: key, proc: proc,
		client: &http.Client{Transport: tunedTransport(), Timeout: time.Minute}}
}

// bound ends a load: after requests requests or duration, whichever
// comes first.
type bound struct {
	requests int
	duration time.Duration
}

// result is what one load measured.
type result struct {
	requests  int // finished, verified or not
	failures  int // not verified, truncated streams included
	truncated int // streams that ended without [DONE]
	elapsed   time.Duration
	latencies []time.Duration // of every request
	ttfb      []time.Duration // streams: until the first chunk
	errs      []string        // a few failure messages
}

// add merges o into r.
func (r *result) add(o result) {
	r.requests += o.requests
	r.failures += o.failures
	r.truncated += o.truncated
	r.elapsed += o.elapsed
	r.latencies = append(r.latencies, o.latencies...)
	r.ttfb = append(r.ttfb, o.ttfb...)
	if len(r.errs) < 5 {
		r.errs = append(r.errs, o.errs[:min(len(o.errs), 5-len(r.errs))]...)
	}
}

// requestBody is a realistic chat request of about 650 bytes: a system
// prompt, a user question, an output limit and a few sampling options.
func requestBody(model string, stream bool) []byte {
	req := map[string]any{
		"model": model,
		"messages": []map[string]string{
			{"role": "system", "content": "You are a careful assistant for an engineering team. Answer briefly, " +
				"cite the relevant section of the runbook when there is one, and say so when you are not sure."},
			{"role": "user", "content": "Our nightly export job started failing after the database upgrade. " +
				"The logs show 'connection reset by peer' about forty minutes into the run, always while the " +
				"largest table is being copied. We raised the statement timeout and the pool size, with no " +
				"change. What should we look at next, and in what order? Keep it to a short checklist."},
		},
		"max_tokens":  256,
		"temperature": 0.2,
		"user":        "bench-user-42",
	}
	if stream {
		req["stream"] = true
		req["stream_options"] = map[string]bool{"include_usage": true}
	}
	b, _ := json.Marshal(req)
	return b
}

// loader runs closed-loop load: each of its workers sends a request,
// verifies the whole response, and sends the next.
type loader struct {
	chunks int
	bodies map[Mode][]byte
}

func newLoader(chunks int) *loader {
	return &loader{chunks: max(chunks, 2), bodies: map[Mode][]byte{
		ModeChat:       requestBody(FastModel, false),
		ModeStream:     requestBody(FastModel, true),
		ModeStreamGap:  requestBody(SlowModel, true),
		ModeStreamLong: requestBody(LongModel, true),
	}}
}

// run drives ep with concurrency workers until b ends it or ctx is done.
func (l *loader) run(ctx context.Context, ep *endpoint, mode Mode, concurrency int, b bound) result {
	var issued atomic.Int64
	deadline := time.Now().Add(b.duration)
	results := make([]result, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range concurrency {
		wg.Go(func() {
			r := &results[w]
			for ctx.Err() == nil && time.Now().Before(deadline) && (b.requests <= 0 || issued.Add(1) <= int64(b.requests)) {
				t0 := time.Now()
				ttfb, err := l.one(ctx, ep, mode)
				r.requests++
				r.latencies = append(r.latencies, time.Since(t0))
				if ttfb > 0 {
					r.ttfb = append(r.ttfb, ttfb)
				}
				if err != nil {
					r.failures++
					if errors.Is(err, errTruncated) {
						r.truncated++
					}
					if len(r.errs) < 5 {
						r.errs = append(r.errs, err.Error())
					}
				}
			}
		})
	}
	wg.Wait()
	var total result
	for _, r := range results {
		total.add(r)
	}
	total.elapsed = time.Since(start)
	return total
}

// errTruncated marks a stream that ended without [DONE].
var errTruncated = errors.New("stream truncated: no [DONE]")

// one sends one request and verifies its response; for a stream it
// returns the time until the first chunk arrived.
func (l *loader) one(ctx context.Context, ep *endpoint, mode Mode) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.url, bytes.NewReader(l.bodies[mode]))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+ep.key)
	req.Header.Set("Content-Type", "application/json")
	t0 := time.Now()
	resp, err := ep.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return 0, fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	if !mode.Streams() {
		return 0, l.verifyWhole(resp.Body)
	}
	n := l.chunks
	if mode == ModeStreamLong {
		n = LongChunks(l.chunks)
	}
	return l.verifyStream(resp.Body, t0, n)
}

// verifyWhole checks a chat completion: one choice with the expected
// text and the upstream's usage.
func (l *loader) verifyWhole(body io.Reader) error {
	var v struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
		Usage *Usage `json:"usage"`
	}
	if err := json.NewDecoder(body).Decode(&v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	_, _ = io.Copy(io.Discard, body)
	if len(v.Choices) != 1 || v.Choices[0].Message.Content != ExpectedText(l.chunks) {
		return fmt.Errorf("unexpected choices: %+v", v.Choices)
	}
	if v.Usage == nil || *v.Usage != ExpectedUsage(l.chunks) {
		return fmt.Errorf("usage %+v, want %+v", v.Usage, ExpectedUsage(l.chunks))
	}
	return nil
}

// verifyStream reads a stream of server-sent events to its end and
// checks it: every chunk a chat.completion.chunk, as many chunks with a
// choice as the upstream sent, their text, a usage chunk with the
// upstream's usage, and [DONE] last.
func (l *loader) verifyStream(body io.Reader, t0 time.Time, want int) (time.Duration, error) {
	br := bufio.NewReaderSize(body, 16<<10)
	var ttfb time.Duration
	var text strings.Builder
	var use *Usage
	chunks, done := 0, false
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return ttfb, errors.New("an event line longer than 16 KiB")
		}
		if err != nil && len(line) == 0 {
			if errors.Is(err, io.EOF) {
				break
			}
			return ttfb, fmt.Errorf("read stream: %w", err)
		}
		data, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r\n"), []byte("data: "))
		if !ok {
			continue // a blank line ends an event; comments and other fields are not used
		}
		if ttfb == 0 {
			ttfb = time.Since(t0)
		}
		if done {
			return ttfb, errors.New("data after [DONE]")
		}
		if string(data) == "[DONE]" {
			done = true
			continue
		}
		var c struct {
			Object  string `json:"object"`
			Choices []struct {
				Delta struct {
					Content string `json:"content"`
				} `json:"delta"`
			} `json:"choices"`
			Usage *Usage `json:"usage"`
		}
		if err := json.Unmarshal(data, &c); err != nil {
			return ttfb, fmt.Errorf("chunk %d: %w: %.200s", chunks, err, data)
		}
		if c.Object != "chat.completion.chunk" {
			return ttfb, fmt.Errorf("chunk %d: object %q: %.200s", chunks, c.Object, data)
		}
		if len(c.Choices) > 0 {
			chunks++
			text.WriteString(c.Choices[0].Delta.Content)
		}
		if c.Usage != nil {
			use = c.Usage
		}
	}
	switch {
	case !done:
		return ttfb, fmt.Errorf("%w (after %d chunks)", errTruncated, chunks)
	case chunks != want:
		return ttfb, fmt.Errorf("%d chunks, want %d", chunks, want)
	case text.String() != ExpectedText(want):
		return ttfb, fmt.Errorf("text %q, want %q", text.String(), ExpectedText(want))
	case use == nil || *use != ExpectedUsage(want):
		return ttfb, fmt.Errorf("usage %+v, want %+v", use, ExpectedUsage(want))
	}
	return ttfb, nil
}
