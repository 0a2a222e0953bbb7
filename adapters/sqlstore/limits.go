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

// budgetJSON is a gateway.Budget as stored, in micros.
type budgetJSON struct {
	Daily   int64 `json:"daily,omitempty"`
	Monthly int64 `json:"monthly,omitempty"`
}

func budgetRow(b gateway.Budget) *budgetJSON {
	if b.IsZero() {
		return nil
	}
	return &budgetJSON{Daily: int64(b.Daily), Monthly: int64(b.Monthly)}
}

func (b *budgetJSON) budget() gateway.Budget {
	if b == nil {
		return gateway.Budget{}
	}
	return gateway.Budget{Daily: gateway.Micros(b.Daily), Monthly: gateway.Micros(b.Monthly)}
}
