package sqlstore

import "github.com/tollgate-ai/tollgate/gateway"

// limitsJSON is how gateway.Limits are kept in a JSON column: named by
// dimension, unlimited dimensions left out, so a new dimension needs no
// migration.
type limitsJSON struct {
	RequestsPerSecond int64 `json:"requests_per_second,omitempty"`
	RequestsPerMinute int64 `json:"requests_per_minute,omitempty"`
	RequestsPerHour   int64 `json:"requests_per_hour,omitempty"`
	RequestsPerDay    int64 `json:"requests_per_day,omitempty"`
	TokensPerMinute   int64 `json:"tokens_per_minute,omitempty"`
	TokensPerHour     int64 `json:"tokens_per_hour,omitempty"`
	TokensPerDay      int64 `json:"tokens_per_day,omitempty"`
	Concurrent        int64 `json:"concurrent,omitempty"`
}

func limitsRow(l gateway.Limits) *limitsJSON {
	if l.IsZero() {
		return nil
	}
	j := limitsJSON(l)
	return &j
}

func (j *limitsJSON) limits() gateway.Limits {
	if j == nil {
		return gateway.Limits{}
	}
	return gateway.Limits(*j)
}
