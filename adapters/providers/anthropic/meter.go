package anthropic

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
	"github.com/tollgate-ai/tollgate/internal/sse"
)

// Meter returns a UsageMeter for the response to a pass-through request:
// for text/event-stream, the usage of message_start updated by each
// message_delta's cumulative usage, and the model of message_start; for
// JSON, the top-level "usage" and "model" of a message. Usage is mapped as
// for Chat. Other responses (count_tokens, models, errors) report none.
func (u *Upstream) Meter(_ *http.Request, contentType string) gateway.UsageMeter {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "text/event-stream" {
		m := &sseMeter{}
		m.scanner = sse.NewScanner(m.onEvent)
		return m
	}
	return &jsonMeter{}
}

// sseMeter reads usage from an event stream as it passes.
type sseMeter struct {
	scanner *sse.Scanner
	usage   anthropicwire.Usage
	model   string
	ok      bool
}

func (m *sseMeter) Write(p []byte) (int, error) { return m.scanner.Write(p) }

func (m *sseMeter) onEvent(ev sse.Event) {
	switch ev.Event {
	case anthropicwire.EventMessageStart:
		var e struct {
			Message struct {
				Model string              `json:"model"`
				Usage anthropicwire.Usage `json:"usage"`
			} `json:"message"`
		}
		if json.Unmarshal(ev.Data, &e) == nil {
			m.usage, m.model, m.ok = e.Message.Usage, e.Message.Model, true
		}
	case anthropicwire.EventMessageDelta:
		var e struct {
			Usage *anthropicwire.DeltaUsage `json:"usage"`
		}
		if json.Unmarshal(ev.Data, &e) == nil && e.Usage != nil {
			m.usage.Update(e.Usage)
			m.ok = true
		}
	}
}

func (m *sseMeter) Usage() (gateway.Usage, string, bool) {
	if !m.ok {
		return gateway.Usage{}, m.model, false
	}
	return usage(m.usage), m.model, true
}

// maxMeterValue bounds what jsonMeter keeps of a value it watches.
const maxMeterValue = 16 << 10

// jsonMeter picks the top-level "model" and "usage" of a JSON body as it
// passes, keeping only those values: a push-mode scan that tracks strings
// and nesting depth, so a message's content (or a "usage" key inside a
// tool input) costs nothing and is never mistaken for them.
type jsonMeter struct {
	depth     int
	inString  bool
	escape    bool
	isKey     bool   // the string being read is a top-level key
	inValue   bool   // past a top-level key's colon, before the next comma
	wantValue bool   // the next byte that is not a space starts a top-level value
	scalar    bool   // the value being kept is a number, true, false or null
	key       []byte // the last top-level key, up to maxKey bytes
	capture   *[]byte
	model     []byte
	usage     []byte
	broken    bool // not a JSON object, or a kept value was too long
}

const maxKey = 16

func (m *jsonMeter) Write(p []byte) (int, error) {
	for _, c := range p {
		if m.broken {
			break
		}
		m.step(c)
	}
	return len(p), nil
}

// step reads one byte.
func (m *jsonMeter) step(c byte) {
	if m.inString {
		m.keep(c)
		switch {
		case m.escape:
			m.escape = false
		case c == '\\':
			m.escape = true
		case c == '"':
			m.inString = false
			if m.depth == 1 && !m.isKey {
				m.capture = nil // a kept string value ended
			}
			return
		}
		if m.isKey && len(m.key) <= maxKey {
			m.key = append(m.key, c)
		}
		return
	}
	switch c {
	case ' ', '\t', '\r', '\n':
		m.endScalar()
		return
	case ',', '}', ']':
		m.endScalar()
	}
	if m.wantValue && m.depth == 1 {
		m.wantValue = false
		m.startValue(c)
	}
	m.keep(c)
	switch c {
	case '"':
		m.inString = true
		m.isKey = m.depth == 1 && !m.inValue
		if m.isKey {
			m.key = m.key[:0]
		}
	case '{', '[':
		if m.depth == 0 && c != '{' {
			m.broken = true
		}
		m.depth++
	case '}', ']':
		m.depth--
		if m.depth == 1 {
			m.capture = nil // a kept object or array value ended
		}
		m.broken = m.broken || m.depth < 0
	case ':':
		if m.depth == 1 && !m.inValue {
			m.inValue, m.wantValue = true, true
		}
	case ',':
		if m.depth == 1 {
			m.inValue = false
		}
	default:
		m.broken = m.broken || m.depth == 0
	}
}

// keep appends c to the value being kept, if any.
func (m *jsonMeter) keep(c byte) {
	if m.capture == nil {
		return
	}
	if len(*m.capture) >= maxMeterValue {
		*m.capture, m.capture = nil, nil
		m.broken = true
		return
	}
	*m.capture = append(*m.capture, c)
}

// startValue starts keeping the value of a watched key; c is its first
// byte.
func (m *jsonMeter) startValue(c byte) {
	var target *[]byte
	switch string(m.key) {
	case "model":
		target = &m.model
	case "usage":
		target = &m.usage
	default:
		return
	}
	*target = (*target)[:0]
	m.capture = target
	m.scalar = c != '"' && c != '{' && c != '['
}

// endScalar ends a kept number, true, false or null at the space or
// delimiter after it.
func (m *jsonMeter) endScalar() {
	if m.capture != nil && m.scalar {
		m.capture = nil
	}
}

func (m *jsonMeter) Usage() (gateway.Usage, string, bool) {
	var model string
	if len(m.model) > 0 {
		_ = json.Unmarshal(m.model, &model)
	}
	v := bytes.TrimSpace(m.usage)
	if len(v) == 0 || v[0] != '{' {
		return gateway.Usage{}, model, false
	}
	var u anthropicwire.Usage
	if json.Unmarshal(v, &u) != nil {
		return gateway.Usage{}, model, false
	}
	return usage(u), model, true
}
