package gemini

import (
	"bytes"
	"encoding/json"
	"math"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/sse"
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

// tally keeps the usage and model seen so far.
type tally struct {
	mu    sync.Mutex
	usage gateway.Usage
	model string
	ok    bool
}

// add takes in what v reports; the last usage reported wins.
func (t *tally) add(v *metered) {
	if v.ModelVersion != "" {
		t.model = shortModel(v.ModelVersion)
	}
	if v.UsageMetadata != nil {
		t.usage, t.ok = usage(v.UsageMetadata), true
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
		t.usage, t.ok = gateway.Usage{PromptTokens: n, TotalTokens: n}, true
	}
}

func (t *tally) result() (gateway.Usage, string, bool) { return t.usage, t.model, t.ok }

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
		body := bytes.TrimSpace(m.buf)
		if len(body) > 0 && body[0] == '[' {
			var all []metered
			if json.Unmarshal(body, &all) == nil {
				for i := range all {
					m.add(&all[i])
				}
			}
		} else {
			var v metered
			if json.Unmarshal(body, &v) == nil {
				m.add(&v)
			}
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

var usageKey = []byte(`"usageMetadata"`)

// event reads one event; it runs inside Write, under the lock. Once the
// model is known, events without usage are not decoded.
func (m *streamMeter) event(ev sse.Event) {
	data := bytes.TrimSpace(ev.Data)
	if len(data) == 0 || data[0] != '{' {
		return
	}
	if m.model != "" && !bytes.Contains(data, usageKey) {
		return
	}
	var v metered
	if json.Unmarshal(data, &v) != nil {
		return
	}
	m.add(&v)
}

// noMeter meters a response that reports no usage.
type noMeter struct{}

func (noMeter) Write(p []byte) (int, error)          { return len(p), nil }
func (noMeter) Usage() (gateway.Usage, string, bool) { return gateway.Usage{}, "", false }
