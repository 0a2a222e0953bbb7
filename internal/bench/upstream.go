package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Models the upstream serves. SlowModel streams with the upstream's gap
// between chunks; every other model streams without one. Both answer
// the same text with the same usage; LongModel answers LongChunks of the
// chunks, back to back.
const (
	FastModel = "bench-fast"
	SlowModel = "bench-slow"
	LongModel = "bench-long"
)

// LongChunks is how many chunks LongModel answers for an upstream of
// chunks (at least 2) chunks: five times as many, so that a stream of
// each tells the relay's cost per chunk apart from a request's.
func LongChunks(chunks int) int { return 5 * max(chunks, 2) }

// PromptTokens is the prompt size the upstream reports for every
// request; the completion is one token per chunk.
const PromptTokens = 57

// ExpectedUsage is the usage the upstream reports for an answer of
// chunks chunks, which every target must hand back unchanged.
func ExpectedUsage(chunks int) Usage {
	return Usage{PromptTokens: PromptTokens, CompletionTokens: chunks, TotalTokens: PromptTokens + chunks}
}

// Usage is the usage object of an OpenAI chat completion.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Upstream is a zero-latency OpenAI chat completions server: it answers
// POST .../chat/completions with a reply built once at start, whole or
// as Chunks server-sent events of chat.completion.chunk (the first with
// the role, the last with finish_reason), then a usage chunk when the
// request asks for stream_options.include_usage, then "data: [DONE]".
// It checks no key and does no work per request beyond reading the body
// and a small JSON decode, so what is measured is the path in front of
// it. It is an http.Handler, safe for concurrent use; build it with
// NewUpstream.
type Upstream struct {
	gap     time.Duration
	replies map[string]*reply
}

// reply is one model's answer, encoded ahead of time.
type reply struct {
	whole  []byte   // the non-streamed JSON body
	events [][]byte // "data: {chunk}\n\n", one per chunk
	usage  []byte   // the usage chunk's event
	slow   bool     // wait the gap before each chunk after the first
}

var doneEvent = []byte("data: [DONE]\n\n")

// NewUpstream returns an Upstream whose answers have chunks chunks (at
// least 2) and whose SlowModel waits gap between them.
func NewUpstream(chunks int, gap time.Duration) *Upstream {
	chunks = max(chunks, 2)
	u := &Upstream{gap: gap, replies: make(map[string]*reply)}
	for _, m := range []string{FastModel, SlowModel} {
		u.replies[m] = buildReply(m, chunks, m == SlowModel)
	}
	u.replies[LongModel] = buildReply(LongModel, LongChunks(chunks), false)
	return u
}

// word is the i-th word of the answer: one token, one chunk.
func word(i int) string { return " w" + strconv.Itoa(i) }

// ExpectedText is the answer's content for chunks chunks: every chunk
// but the last carries a word.
func ExpectedText(chunks int) string {
	var b strings.Builder
	for i := range max(chunks, 2) - 1 {
		b.WriteString(word(i))
	}
	return b.String()
}

func buildReply(model string, chunks int, slow bool) *reply {
	const id, created = "chatcmpl-bench", 1700000000
	usage := ExpectedUsage(chunks)
	text := ExpectedText(chunks)
	whole, _ := json.Marshal(map[string]any{
		"id": id, "object": "chat.completion", "created": created, "model": model,
		"choices": []any{map[string]any{
			"index": 0, "finish_reason": "stop", "logprobs": nil,
			"message": map[string]any{"role": "assistant", "content": text, "refusal": nil},
		}},
		"usage": usage, "system_fingerprint": "fp_bench",
	})
	r := &reply{whole: whole, slow: slow}
	event := func(v any) []byte {
		b, _ := json.Marshal(v)
		return []byte("data: " + string(b) + "\n\n")
	}
	chunk := func(i int, delta chunkDelta, finish *string) wireChunk {
		return wireChunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: model,
			ServiceTier: "default", SystemFingerprint: "fp_bench",
			Choices: []chunkChoice{{Delta: delta, FinishReason: finish}}, Obfuscation: obfuscation(i)}
	}
	for i := range chunks - 1 {
		delta := chunkDelta{Content: word(i)}
		if i == 0 {
			delta.Role = "assistant"
		}
		r.events = append(r.events, event(chunk(i, delta, nil)))
	}
	stop := "stop"
	r.events = append(r.events, event(chunk(chunks-1, chunkDelta{}, &stop)))
	last := chunk(chunks, chunkDelta{}, nil)
	last.Choices, last.Usage = []chunkChoice{}, &usage
	r.usage = event(last)
	return r
}

// wireChunk is a chat.completion.chunk with its members in the order
// OpenAI sends them. Its chunks carry "usage": null before the usage
// chunk, as OpenAI's do when the request asks for usage (every request
// of the harness does), and an obfuscation member that changes at every
// chunk.
type wireChunk struct {
	ID                string        `json:"id"`
	Object            string        `json:"object"`
	Created           int64         `json:"created"`
	Model             string        `json:"model"`
	ServiceTier       string        `json:"service_tier"`
	SystemFingerprint string        `json:"system_fingerprint"`
	Choices           []chunkChoice `json:"choices"`
	Usage             *Usage        `json:"usage"`
	Obfuscation       string        `json:"obfuscation"`
}

type chunkChoice struct {
	Index        int        `json:"index"`
	Delta        chunkDelta `json:"delta"`
	Logprobs     *struct{}  `json:"logprobs"`
	FinishReason *string    `json:"finish_reason"`
}

type chunkDelta struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content,omitempty"`
}

// obfuscation is chunk i's padding, of a length that varies as
// OpenAI's does.
func obfuscation(i int) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 2+(i*7)%13)
	for j := range b {
		b[j] = letters[(i*31+j*17)%len(letters)]
	}
	return string(b)
}

// upstreamRequest is what the Upstream reads of a request.
type upstreamRequest struct {
	Model         string `json:"model"`
	Stream        bool   `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// ServeHTTP answers a chat completion; anything else is 404.
func (u *Upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	var req upstreamRequest
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		http.Error(w, `{"error":{"message":"bad request body","type":"invalid_request_error"}}`, http.StatusBadRequest)
		return
	}
	rep := u.replies[req.Model]
	if rep == nil {
		rep = u.replies[FastModel]
	}
	h := w.Header()
	if !req.Stream {
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(rep.whole)))
		_, _ = w.Write(rep.whole)
		return
	}
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	var timer *time.Timer
	for i, ev := range rep.events {
		if i > 0 && rep.slow && u.gap > 0 {
			if timer == nil {
				timer = time.NewTimer(u.gap)
				defer timer.Stop()
			} else {
				timer.Reset(u.gap)
			}
			select {
			case <-timer.C:
			case <-r.Context().Done():
				return
			}
		}
		if _, err := w.Write(ev); err != nil {
			return
		}
		if rc.Flush() != nil {
			return
		}
	}
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		if _, err := w.Write(rep.usage); err != nil {
			return
		}
	}
	_, _ = w.Write(doneEvent)
	_ = rc.Flush()
}

// String describes the Upstream for logs.
func (u *Upstream) String() string {
	return fmt.Sprintf("upstream(%d chunks, %s gap on %s)", len(u.replies[FastModel].events), u.gap, SlowModel)
}
