package gateway

import (
	"fmt"
	"time"
)

// Limits caps what an account, a key or the whole gateway may use. Each
// dimension is set on its own, never derived from another (a per-day cap
// does not imply a per-hour one); zero means no limit.
type Limits struct {
	RequestsPerSecond int64
	RequestsPerMinute int64
	RequestsPerHour   int64
	RequestsPerDay    int64
	TokensPerMinute   int64
	TokensPerHour     int64
	TokensPerDay      int64
	// Concurrent caps the requests in flight at once.
	Concurrent int64
}

// dimension is one limit of a Limits: a name for errors and headers, the
// value, and the window it counts over (0 for Concurrent).
type dimension struct {
	name   string
	value  int64
	window time.Duration
	tokens bool
}

func (l Limits) dimensions() [8]dimension {
	return [...]dimension{
		{"requests_per_second", l.RequestsPerSecond, time.Second, false},
		{"requests_per_minute", l.RequestsPerMinute, time.Minute, false},
		{"requests_per_hour", l.RequestsPerHour, time.Hour, false},
		{"requests_per_day", l.RequestsPerDay, 24 * time.Hour, false},
		{"tokens_per_minute", l.TokensPerMinute, time.Minute, true},
		{"tokens_per_hour", l.TokensPerHour, time.Hour, true},
		{"tokens_per_day", l.TokensPerDay, 24 * time.Hour, true},
		{"concurrent", l.Concurrent, 0, false},
	}
}

// IsZero reports whether no dimension is limited.
func (l Limits) IsZero() bool { return l == Limits{} }

// Validate reports a negative dimension as CodeInvalid, naming it under
// field ("limits.requests_per_minute").
func (l Limits) Validate(field string) error {
	for _, d := range l.dimensions() {
		if d.value < 0 {
			return Invalid(field+"."+d.name, "%s must not be negative", d.name)
		}
	}
	return nil
}

// Within reports, as CodeInvalid naming the dimension, a dimension of l
// that is higher than parent's: a key may not be allowed more than its
// account. A dimension l leaves unlimited is fine, since the account's
// limit applies to the key's requests as well.
func (l Limits) Within(parent Limits, field string) error {
	mine, theirs := l.dimensions(), parent.dimensions()
	for i, d := range mine {
		p := theirs[i].value
		if p == 0 || d.value == 0 {
			continue
		}
		if d.value > p {
			return Invalid(field+"."+d.name, "%s may not exceed the account's %d", d.name, p)
		}
	}
	return nil
}

// String lists the limited dimensions, for logs.
func (l Limits) String() string {
	s := ""
	for _, d := range l.dimensions() {
		if d.value > 0 {
			s += fmt.Sprintf("%s=%d ", d.name, d.value)
		}
	}
	if s == "" {
		return "unlimited"
	}
	return s[:len(s)-1]
}
