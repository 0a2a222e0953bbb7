package gateway

import (
	"fmt"
	"log/slog"
)

// Secret holds an upstream credential's secret. It prints as [REDACTED]
// through fmt and log/slog so that no secret reaches a log line by
// accident; Reveal returns the value for the one place that needs it, the
// Upstream building its request.
type Secret string

const redacted = "[REDACTED]"

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String returns [REDACTED].
func (s Secret) String() string { return redacted }

// GoString returns [REDACTED], so %#v does not leak either.
func (s Secret) GoString() string { return redacted }

// Format makes every fmt verb print [REDACTED].
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue keeps the secret out of slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// Hint returns a masked form for display: the first three and last four
// characters, or only stars for short secrets.
func (s Secret) Hint() string {
	if len(s) < 12 {
		return "****"
	}
	return string(s[:3]) + "..." + string(s[len(s)-4:])
}
