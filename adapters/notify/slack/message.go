package slack

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Slack's limits on block text, in characters.
const (
	maxHeader  = 150
	maxSection = 3000
)

// message is the body of an incoming webhook post.
type message struct {
	Text   string  `json:"text"`
	Blocks []block `json:"blocks"`
}

type block struct {
	Type     string  `json:"type"`
	Text     *text   `json:"text,omitempty"`
	Elements []*text `json:"elements,omitempty"`
}

type text struct {
	Type  string `json:"type"` // "plain_text" or "mrkdwn"
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

func newMessage(a gateway.Alert) message {
	title := a.Title
	if title == "" {
		title = a.Type
	}
	head := emoji(a) + " " + title
	if a.Status != "" && a.Status != gateway.AlertOpen {
		head += " (" + string(a.Status) + ")"
	}

	var sec strings.Builder
	if a.Message != "" {
		sec.WriteString(escape(a.Message))
	}
	if d := a.Details; d.Metric != "" {
		if sec.Len() > 0 {
			sec.WriteString("\n")
		}
		fmt.Fprintf(&sec, "*%s*: %s vs threshold %s", escape(d.Metric), number(d.Value), number(d.Threshold))
		if d.Window > 0 {
			fmt.Fprintf(&sec, " over %s", d.Window)
		}
	}

	var ctx []string
	if a.Subject != "" {
		ctx = append(ctx, "*Subject:* "+escape(a.Subject))
	}
	if a.Count > 0 {
		ctx = append(ctx, "*Count:* "+strconv.FormatInt(a.Count, 10))
	}
	if !a.FirstSeen.IsZero() {
		ctx = append(ctx, "*First seen:* "+stamp(a.FirstSeen))
	}
	if !a.LastSeen.IsZero() {
		ctx = append(ctx, "*Last seen:* "+stamp(a.LastSeen))
	}

	m := message{
		Text:   fmt.Sprintf("[%s] %s", strings.ToUpper(string(a.Severity)), title),
		Blocks: []block{{Type: "header", Text: &text{Type: "plain_text", Text: truncate(head, maxHeader), Emoji: true}}},
	}
	if a.Message != "" {
		m.Text += ": " + a.Message
	}
	if sec.Len() > 0 {
		m.Blocks = append(m.Blocks, block{Type: "section", Text: &text{Type: "mrkdwn", Text: truncate(sec.String(), maxSection)}})
	}
	if len(ctx) > 0 {
		m.Blocks = append(m.Blocks, block{Type: "context", Elements: []*text{{Type: "mrkdwn", Text: truncate(strings.Join(ctx, " · "), maxSection)}}})
	}
	return m
}

// emoji marks the severity, or the end of the alert.
func emoji(a gateway.Alert) string {
	switch {
	case a.Status == gateway.AlertResolved:
		return "✅"
	case a.Severity == gateway.SeverityCritical:
		return "🔴"
	case a.Severity == gateway.SeverityWarning:
		return "⚠️"
	}
	return "ℹ️"
}

// escape makes s literal in mrkdwn, which reads &, < and > as markup.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func number(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// truncate cuts s to at most n characters, ending with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
