package gemini

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"

	"github.com/tollgate-ai/tollgate/adapters/providers/internal/httpx"
	"github.com/tollgate-ai/tollgate/gateway"
)

// MaxMeteredJSON bounds the JSON response a meter keeps to read its usage
// at the end: a generateContent answer is far smaller, and a larger one
// (thousands of embeddings) is let through unmetered rather than held in
// memory.
const MaxMeteredJSON = 8 << 20

// Meter returns a gateway.UsageMeter for a pass-through response of
// contentType. It reads the usage Gemini reports:
//
//   - an event stream (streamGenerateContent?alt=sse): the usageMetadata
//     of the events, which is cumulative, so the last one wins; the model
//     from modelVersion;
//   - a JSON body: a GenerateContentResponse's usageMetadata, or the last
//     one in a JSON array (streamGenerateContent without alt=sse); Vertex
//     AI's embedContent usageMetadata, or the token_count statistics of
//     its predict embeddings, as prompt tokens. A body over MaxMeteredJSON
//     is given up on (ok false);
//   - anything else: nothing.
//
// Tokens count as for Chat (see usage). req is not consulted: the
// response says all there is.
func (u *Upstream) Meter(req *http.Request, contentType string) gateway.UsageMeter {
	return httpx.NewMeter(contentType, httpx.MeterSpec{MaxJSON: MaxMeteredJSON, Read: read,
		MayReport: func(data []byte) bool { return bytes.Contains(data, usageKey) }})
}

var usageKey = []byte(`"usageMetadata"`)

// read takes in what data reports: one response, or a JSON array of them
// (streamGenerateContent without alt=sse).
func read(data []byte, r *httpx.Report) {
	if data[0] == '[' {
		var all []metered
		if json.Unmarshal(data, &all) == nil {
			for i := range all {
				all[i].add(r)
			}
		}
		return
	}
	var v metered
	if json.Unmarshal(data, &v) == nil {
		v.add(r)
	}
}

// metered is what a response (or one event) says about its usage.
type metered struct {
	UsageMetadata *usageMetadata `json:"usageMetadata"`
	ModelVersion  string         `json:"modelVersion"`
	Predictions   []struct {
		Embeddings struct {
			Statistics *struct {
				TokenCount float64 `json:"token_count"`
			} `json:"statistics"`
		} `json:"embeddings"`
	} `json:"predictions"`
}

// add takes in what v reports; the last usage reported wins.
func (v *metered) add(r *httpx.Report) {
	if v.ModelVersion != "" {
		r.Model = shortModel(v.ModelVersion)
	}
	if v.UsageMetadata != nil {
		r.Usage, r.Counted = usage(v.UsageMetadata), true
		return
	}
	var tokens float64
	counted := false
	for _, p := range v.Predictions {
		if s := p.Embeddings.Statistics; s != nil && s.TokenCount > 0 {
			tokens, counted = tokens+s.TokenCount, true
		}
	}
	if counted {
		n := int(min(tokens, math.MaxInt32))
		r.Usage, r.Counted = gateway.Usage{PromptTokens: n, TotalTokens: n}, true
	}
}
