package openaiapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/tollgate-ai/tollgate/adapters/providers/internal/httpx"
	"github.com/tollgate-ai/tollgate/gateway"
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
	return httpx.NewMeter(contentType, httpx.MeterSpec{MaxJSON: MaxMeteredJSON, Read: read, MayReport: reportsUsage})
}

// read takes in what data, a body or an event, reports.
func read(data []byte, r *httpx.Report) {
	var v metered
	if json.Unmarshal(data, &v) != nil {
		return
	}
	for _, m := range []*metered{&v, v.XGroq, v.Response} {
		if m == nil {
			continue
		}
		if m.Model != "" {
			r.Model = m.Model
		}
		if m.Usage != nil {
			if u, ok := m.Usage.usage(); ok {
				r.Usage, r.Counted = u, true
			}
		}
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
