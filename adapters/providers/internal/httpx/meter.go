package httpx

import (
	"bytes"
	"mime"
	"strings"
	"sync"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/sse"
)

// Report is what a response, or the events of one so far, say of usage.
type Report struct {
	Usage gateway.Usage
	// Counted is set once a usage was reported.
	Counted bool
	Model   string
}

// MeterSpec is how a provider reports usage in its native responses.
type MeterSpec struct {
	// MaxJSON bounds the JSON body a meter keeps to read at the end; a
	// larger one is let through unmetered rather than held in memory.
	MaxJSON int
	// Read updates r with what data says: a whole JSON body, or one
	// event's data (a JSON object) of an event stream, in order. Later
	// reports win.
	Read func(data []byte, r *Report)
	// MayReport, when set, tells cheaply whether an event's data can
	// carry usage: once the model is known, the others are not decoded.
	MayReport func(data []byte) bool
}

// NewMeter returns a gateway.UsageMeter for a response of contentType:
// an event stream is decoded as it passes, a JSON body kept (up to
// MaxJSON) and read when asked, anything else (audio, images) reports
// nothing. A meter is safe for concurrent use.
func NewMeter(contentType string, spec MeterSpec) gateway.UsageMeter {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "text/event-stream":
		m := &streamMeter{spec: spec}
		m.sc = sse.NewScanner(m.event)
		return m
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return &jsonMeter{spec: spec}
	default:
		return noMeter{}
	}
}

// jsonMeter keeps a JSON body and reads it when asked for its usage.
type jsonMeter struct {
	spec   MeterSpec
	mu     sync.Mutex
	buf    []byte
	parsed int // len(buf) when last read
	over   bool
	report Report
}

func (m *jsonMeter) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.over:
	case len(m.buf)+len(p) > m.spec.MaxJSON:
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
		m.report = Report{}
		if body := bytes.TrimSpace(m.buf); len(body) > 0 {
			m.spec.Read(body, &m.report)
		}
	}
	return m.report.Usage, m.report.Model, m.report.Counted
}

// streamMeter decodes an event stream as it passes.
type streamMeter struct {
	spec   MeterSpec
	mu     sync.Mutex
	sc     *sse.Scanner
	report Report
}

func (m *streamMeter) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sc.Write(p)
}

func (m *streamMeter) Usage() (gateway.Usage, string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.report.Usage, m.report.Model, m.report.Counted
}

// event reads one event; it runs inside Write, under the lock.
func (m *streamMeter) event(ev sse.Event) {
	data := bytes.TrimSpace(ev.Data)
	if len(data) == 0 || data[0] != '{' {
		return // [DONE], or not JSON
	}
	if m.report.Model != "" && m.spec.MayReport != nil && !m.spec.MayReport(data) {
		return
	}
	m.spec.Read(data, &m.report)
}

// noMeter meters a response that reports no usage.
type noMeter struct{}

func (noMeter) Write(p []byte) (int, error)          { return len(p), nil }
func (noMeter) Usage() (gateway.Usage, string, bool) { return gateway.Usage{}, "", false }
