package openaiapi

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/sse"
)

// MaxMeteredJSON bounds the JSON response a meter keeps to read its usage
// at the end: chat completions and embeddings answers are far smaller, a
// huge one (thousands of float vectors) is let through unmetered rather
// than held in memory.
const MaxMeteredJSON = 8 << 20

// Meter returns a gateway.UsageMeter for a pass-through response of
// contentType. It reads the usage the host reports:
//
//   - a JSON body (chat completions, embeddings, the Responses API):
//     its "usage" and "model", read once the body is complete; a body over
//     MaxMeteredJSON is given up on (ok false);
//   - an event stream: the "usage" of chat chunks (and Groq's
//     x_groq.usage), and the response.usage of the Responses API's
//     response.completed event (or response.incomplete, response.failed,
//     which are billed too); the last one reported wins;
//   - anything else (audio, images): nothing.
//
// Prompt and input tokens are PromptTokens, completion and output tokens
// CompletionTokens; cached input and reasoning tokens go in the details.
// req is not consulted: the response says all there is.
func (u *Upstream) Meter(req *http.Request, contentType string) gateway.UsageMeter {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "text/event-stream":
		m := &streamMeter{}
		m.sc = sse.NewScanner(m.event)
		return m
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return &jsonMeter{}
	default:
		return noMeter{}
	}
}

// wireUsage is a usage object of any of the OpenAI APIs: chat completions
// and embeddings count prompt and completion tokens, the Responses API
// input and output tokens.
type wireUsage struct {
	PromptTokens            *int                             `json:"prompt_tokens"`
	CompletionTokens        int                              `json:"completion_tokens"`
	TotalTokens             int                              `json:"total_tokens"`
	PromptTokensDetails     *gateway.PromptTokensDetails     `json:"prompt_tokens_details"`
	CompletionTokensDetails *gateway.CompletionTokensDetails `json:"completion_tokens_details"`

	InputTokens        *int `json:"input_tokens"`
	OutputTokens       int  `json:"output_tokens"`
	InputTokensDetails *struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokensDetails *struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
}

// usage converts w; ok is false when w counts nothing at all. Details
// that are all zero are left out, as OpenAI's own zeros say nothing.
func (w *wireUsage) usage() (gateway.Usage, bool) {
	var u gateway.Usage
	switch {
	case w.InputTokens != nil:
		u.PromptTokens, u.CompletionTokens, u.TotalTokens = *w.InputTokens, w.OutputTokens, w.TotalTokens
		if d := w.InputTokensDetails; d != nil && d.CachedTokens != 0 {
			u.PromptTokensDetails = &gateway.PromptTokensDetails{CachedTokens: d.CachedTokens}
		}
		if d := w.OutputTokensDetails; d != nil && d.ReasoningTokens != 0 {
			u.CompletionTokensDetails = &gateway.CompletionTokensDetails{ReasoningTokens: d.ReasoningTokens}
		}
	case w.PromptTokens != nil:
		u.PromptTokens, u.CompletionTokens, u.TotalTokens = *w.PromptTokens, w.CompletionTokens, w.TotalTokens
		if d := w.PromptTokensDetails; d != nil && *d != (gateway.PromptTokensDetails{}) {
			u.PromptTokensDetails = d
		}
		if d := w.CompletionTokensDetails; d != nil && *d != (gateway.CompletionTokensDetails{}) {
			u.CompletionTokensDetails = d
		}
	default:
		return u, false
	}
	// A count below zero is a host's bug; billed as is, it would pay the
	// client.
	for _, n := range []*int{&u.PromptTokens, &u.CompletionTokens, &u.TotalTokens} {
		*n = max(*n, 0)
	}
	if d := u.PromptTokensDetails; d != nil {
		d.CachedTokens, d.AudioTokens, d.CacheCreationTokens = max(d.CachedTokens, 0), max(d.AudioTokens, 0), max(d.CacheCreationTokens, 0)
	}
	if d := u.CompletionTokensDetails; d != nil {
		d.ReasoningTokens, d.AudioTokens = max(d.ReasoningTokens, 0), max(d.AudioTokens, 0)
		d.AcceptedPredictionTokens, d.RejectedPredictionTokens = max(d.AcceptedPredictionTokens, 0), max(d.RejectedPredictionTokens, 0)
	}
	if u.TotalTokens == 0 {
		u.TotalTokens = u.PromptTokens + u.CompletionTokens
	}
	return u, true
}

// metered is what a response (or one event) says: its model, its usage,
// and for the Responses API's events, the response they carry.
type metered struct {
	Type     string     `json:"type"`
	Model    string     `json:"model"`
	Usage    *wireUsage `json:"usage"`
	XGroq    *metered   `json:"x_groq"`
	Response *metered   `json:"response"`
}

// tally keeps the usage and model seen so far.
type tally struct {
	mu    sync.Mutex
	usage gateway.Usage
	model string
	ok    bool
}

// add takes in what v reports; the last usage reported wins.
func (t *tally) add(v *metered) {
	for _, m := range []*metered{v, v.XGroq, v.Response} {
		if m == nil {
			continue
		}
		if m.Model != "" {
			t.model = m.Model
		}
		if m.Usage != nil {
			if u, ok := m.Usage.usage(); ok {
				t.usage, t.ok = u, true
			}
		}
	}
}

func (t *tally) result() (gateway.Usage, string, bool) {
	return t.usage, t.model, t.ok
}

// jsonMeter keeps a JSON body, up to MaxMeteredJSON, and reads it when
// asked for its usage.
type jsonMeter struct {
	tally
	buf    []byte
	parsed int // len(buf) when last read
	over   bool
}

func (m *jsonMeter) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.over:
	case len(m.buf)+len(p) > MaxMeteredJSON:
		m.over, m.buf = true, nil
	default:
		m.buf = append(m.buf, p...)
	}
	return len(p), nil
}

func (m *jsonMeter) Usage() (gateway.Usage, string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.over {
		return gateway.Usage{}, "", false
	}
	if len(m.buf) != m.parsed {
		m.parsed = len(m.buf)
		m.usage, m.model, m.ok = gateway.Usage{}, "", false
		var v metered
		if json.Unmarshal(m.buf, &v) == nil {
			m.add(&v)
		}
	}
	return m.result()
}

// streamMeter decodes an event stream as it passes.
type streamMeter struct {
	tally
	sc *sse.Scanner
}

func (m *streamMeter) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sc.Write(p)
}

func (m *streamMeter) Usage() (gateway.Usage, string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.result()
}

// event reads one event; it runs inside Write, under the lock. Most
// chunks carry no usage ("usage": null or none at all), and once the model
// is known they are not decoded.
func (m *streamMeter) event(ev sse.Event) {
	data := bytes.TrimSpace(ev.Data)
	if len(data) == 0 || data[0] != '{' {
		return // [DONE], or not JSON
	}
	if m.model != "" && !reportsUsage(data) {
		return
	}
	var v metered
	if json.Unmarshal(data, &v) != nil {
		return
	}
	m.add(&v)
}

var usageKey = []byte(`"usage"`)

// reportsUsage reports whether data has a "usage" key whose value is an
// object, not null.
func reportsUsage(data []byte) bool {
	for {
		i := bytes.Index(data, usageKey)
		if i < 0 {
			return false
		}
		data = data[i+len(usageKey):]
		rest := bytes.TrimLeft(data, " \t\r\n")
		if len(rest) > 0 && rest[0] == ':' {
			rest = bytes.TrimLeft(rest[1:], " \t\r\n")
			if len(rest) > 0 && rest[0] == '{' {
				return true
			}
		}
	}
}

// noMeter meters a response that reports no usage.
type noMeter struct{}

func (noMeter) Write(p []byte) (int, error)          { return len(p), nil }
func (noMeter) Usage() (gateway.Usage, string, bool) { return gateway.Usage{}, "", false }
