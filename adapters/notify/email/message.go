package email

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// message renders a as an RFC 5322 message sent at now, lines ended with
// CRLF.
func (n *Notifier) message(a gateway.Alert, now time.Time) []byte {
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	to := make([]string, len(n.to))
	for i, t := range n.to {
		to[i] = t.String()
	}
	header("From", n.from.String())
	header("To", strings.Join(to, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", subject(a)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", messageID(n.from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")

	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(body(a)))
	_ = qp.Close()
	return b.Bytes()
}

// subject is "[Tollgate] <SEVERITY> <title>" on one line.
func subject(a gateway.Alert) string {
	parts := []string{"[Tollgate]"}
	if a.Severity != "" {
		parts = append(parts, strings.ToUpper(string(a.Severity)))
	}
	title := a.Title
	if title == "" {
		title = a.Type
	}
	parts = append(parts, title)
	// No CR or LF may reach a header: they would start new headers.
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}

// body lists the alert, one fact a line.
func body(a gateway.Alert) string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-12s %s\r\n", k+":", v)
		}
	}
	if a.Title != "" {
		b.WriteString(a.Title + "\r\n\r\n")
	}
	if a.Message != "" {
		b.WriteString(a.Message + "\r\n\r\n")
	}
	line("Severity", string(a.Severity))
	line("Status", string(a.Status))
	line("Type", a.Type)
	line("Subject", a.Subject)
	if d := a.Details; d.Metric != "" {
		line("Metric", d.Metric)
		v := number(d.Value) + " (threshold " + number(d.Threshold)
		if d.Window > 0 {
			v += ", over " + d.Window.String()
		}
		line("Value", v+")")
	}
	if a.Count > 0 {
		line("Count", strconv.FormatInt(a.Count, 10))
	}
	line("First seen", stamp(a.FirstSeen))
	line("Last seen", stamp(a.LastSeen))
	line("Fingerprint", a.Fingerprint)
	line("Alert ID", a.ID)
	return b.String()
}

func number(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// messageID is a unique Message-ID in the sender's domain.
func messageID(from string) string {
	domain := "tollgate.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	var r [12]byte
	_, _ = rand.Read(r[:])
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">"
}
