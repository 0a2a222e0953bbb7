package gateway

import (
	"encoding/json"
	"regexp"
)

// maxBody bounds a stored request or response body.
const maxBody = 64 << 10

// secretPatterns match credentials people paste into prompts or that
// models repeat: provider keys, Tollgate keys, bearer tokens, cloud and
// chat tokens. A match is replaced, whatever surrounds it.
var secretPatterns = regexp.MustCompile(alternation(
	`sk-[A-Za-z0-9_\-]{16,}`,                 // OpenAI, Anthropic (sk-ant-...), DeepSeek, ...
	`tg-[A-Za-z0-9_\-]{20,}`,                 // Tollgate keys, master and admin keys included
	`(?i)bearer\s+[A-Za-z0-9._~+/\-]{16,}=*`, // Authorization values
	`AKIA[0-9A-Z]{16}`,                       // AWS access key ids
	`AIza[0-9A-Za-z_\-]{35,}`,                // Google API keys
	`gh[pousr]_[A-Za-z0-9]{36,}`,             // GitHub tokens
	`xox[abposr]-[A-Za-z0-9\-]{10,}`,         // Slack tokens
	`gsk_[A-Za-z0-9]{20,}`,                   // Groq
	`xai-[A-Za-z0-9]{20,}`,                   // xAI
	`eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}`, // JWTs
))

func alternation(alternatives ...string) string {
	s := ""
	for i, a := range alternatives {
		if i > 0 {
			s += "|"
		}
		s += "(?:" + a + ")"
	}
	return s
}

// Redact replaces every secret-looking token in b with [REDACTED].
func Redact(b []byte) []byte {
	return secretPatterns.ReplaceAll(b, []byte(redacted))
}

// bodyOf encodes v for a request record: redacted, and cut at maxBody.
func bodyOf(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return capBody(string(Redact(b)))
}

func capBody(s string) string {
	if len(s) <= maxBody {
		return s
	}
	return s[:maxBody] + "…[truncated]"
}
