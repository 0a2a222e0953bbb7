package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/tollgate-ai/tollgate/gateway"
)

// defaultRecordLimit is how many records ListRecords returns when the
// filter sets no Limit.
const defaultRecordLimit = 100

// recordBatch is how many records one INSERT writes.
const recordBatch = 500

// recordRow is a row of the request_records table. Attempts and Usage
// are JSON; the columns ListRecords filters and sorts on are indexed.
type recordRow struct {
	bun.BaseModel `bun:"table:request_records"`

	ID              string        `bun:"id,pk"`
	ClientRequestID string        `bun:"client_request_id"`
	Time            time.Time     `bun:"time,nullzero"`
	AccountID       string        `bun:"account_id"`
	KeyID           string        `bun:"key_id"`
	Namespace       string        `bun:"namespace"`
	Endpoint        string        `bun:"endpoint"`
	Model           string        `bun:"model"`
	ServedModel     string        `bun:"served_model"`
	ProviderID      string        `bun:"provider_id"`
	CredentialID    string        `bun:"credential_id"`
	Attempts        []attemptJSON `bun:"attempts"` // JSON
	Code            string        `bun:"code"`
	Error           string        `bun:"error"`
	Usage           gateway.Usage `bun:"usage"` // JSON, in OpenAI's shape
	Cost            int64         `bun:"cost"`
	Prices          *pricesJSON   `bun:"prices"` // JSON
	LatencyNS       int64         `bun:"latency_ns"`
	FirstByteNS     int64         `bun:"first_byte_ns"`
	Stream          bool          `bun:"stream"`
	ClientIP        string        `bun:"client_ip"`
	LimitedBy       string        `bun:"limited_by"`
	Prepaid         bool          `bun:"prepaid"`
	RequestBody     string        `bun:"request_body"`
	ResponseBody    string        `bun:"response_body"`
}

// attemptJSON is how an Attempt is kept in the attempts column: named
// fields of its own, so that renaming a Go field does not change what is
// stored.
type attemptJSON struct {
	ProviderID   string `json:"provider_id,omitempty"`
	CredentialID string `json:"credential_id,omitempty"`
	Code         string `json:"code,omitempty"`
	Status       int    `json:"status,omitempty"`
	Error        string `json:"error,omitempty"`
	LatencyNS    int64  `json:"latency_ns,omitempty"`
}

func newRecordRow(r *gateway.RequestRecord) recordRow {
	row := recordRow{
		ID:              r.ID,
		ClientRequestID: r.ClientRequestID,
		Time:            dbTime(r.Time),
		AccountID:       r.AccountID,
		KeyID:           r.KeyID,
		Namespace:       r.Namespace,
		Endpoint:        r.Endpoint,
		Model:           r.Model,
		ServedModel:     r.ServedModel,
		ProviderID:      r.ProviderID,
		CredentialID:    r.CredentialID,
		Code:            string(r.Code),
		Error:           r.Error,
		Usage:           r.Usage, // its pointers are only read, by the JSON encoder
		Cost:            int64(r.Cost),
		Prices:          pricesRow(r.Prices),
		LatencyNS:       int64(r.Latency),
		FirstByteNS:     int64(r.FirstByte),
		Stream:          r.Stream,
		ClientIP:        r.ClientIP,
		LimitedBy:       r.LimitedBy,
		Prepaid:         r.Prepaid,
		RequestBody:     r.RequestBody,
		ResponseBody:    r.ResponseBody,
	}
	for _, a := range r.Attempts {
		row.Attempts = append(row.Attempts, attemptJSON{
			ProviderID: a.ProviderID, CredentialID: a.CredentialID, Code: string(a.Code),
			Status: a.Status, Error: a.Error, LatencyNS: int64(a.Latency),
		})
	}
	return row
}

func (r *recordRow) record() *gateway.RequestRecord {
	rec := &gateway.RequestRecord{
		ID:              r.ID,
		ClientRequestID: r.ClientRequestID,
		Time:            dbTime(r.Time),
		AccountID:       r.AccountID,
		KeyID:           r.KeyID,
		Namespace:       r.Namespace,
		Endpoint:        r.Endpoint,
		Model:           r.Model,
		ServedModel:     r.ServedModel,
		ProviderID:      r.ProviderID,
		CredentialID:    r.CredentialID,
		Code:            gateway.Code(r.Code),
		Error:           r.Error,
		Usage:           r.Usage, // freshly decoded: nobody else holds its pointers
		Cost:            gateway.Micros(r.Cost),
		Prices:          r.Prices.prices(),
		Latency:         time.Duration(r.LatencyNS),
		FirstByte:       time.Duration(r.FirstByteNS),
		Stream:          r.Stream,
		ClientIP:        r.ClientIP,
		LimitedBy:       r.LimitedBy,
		Prepaid:         r.Prepaid,
		RequestBody:     r.RequestBody,
		ResponseBody:    r.ResponseBody,
	}
	for _, a := range r.Attempts {
		rec.Attempts = append(rec.Attempts, gateway.Attempt{
			ProviderID: a.ProviderID, CredentialID: a.CredentialID, Code: gateway.Code(a.Code),
			Status: a.Status, Error: a.Error, Latency: time.Duration(a.LatencyNS),
		})
	}
	return rec
}

// InsertRecords stores rs. It is idempotent by ID (INSERT ... ON
// CONFLICT (id) DO NOTHING): a record whose ID is already stored, or
// repeated within rs, is kept once, as first written. The records are
// written in statements of at most recordBatch rows, and the statistics
// of those the statements inserted (RETURNING id) are added to
// request_stats, all in one transaction: a retried batch, even one that
// races its first write, is counted once.
func (s *Store) InsertRecords(ctx context.Context, rs []*gateway.RequestRecord) error {
	if len(rs) == 0 {
		return nil
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		inserted := make(map[string]bool, len(rs))
		for start := 0; start < len(rs); start += recordBatch {
			batch := rs[start:min(start+recordBatch, len(rs))]
			rows := make([]recordRow, len(batch))
			for i, r := range batch {
				rows[i] = newRecordRow(r)
			}
			var ids []string
			_, err := tx.NewInsert().Model(&rows).On("CONFLICT (id) DO NOTHING").Returning("id").Exec(ctx, &ids)
			if err != nil {
				return err
			}
			for _, id := range ids {
				inserted[id] = true
			}
		}
		counted := make([]*gateway.RequestRecord, 0, len(inserted))
		for _, r := range rs {
			if inserted[r.ID] {
				counted = append(counted, r)
				delete(inserted, r.ID) // a repeated ID was stored as first written
			}
		}
		return addStats(ctx, tx, gateway.Aggregate(counted))
	})
	if err != nil {
		return internal("insert records", err)
	}
	return nil
}

// ListRecords returns the records that match f, newest first (by Time,
// then ID, both descending), at most f.Limit of them (100 when f.Limit
// is 0 or negative).
func (s *Store) ListRecords(ctx context.Context, f gateway.RecordFilter) ([]*gateway.RequestRecord, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultRecordLimit
	}
	var rows []recordRow
	q := s.db.NewSelect().Model(&rows).
		OrderExpr("? DESC"+s.nullsLast()+", id DESC", bun.Ident("time")).
		Limit(int64(limit))
	if f.AccountID != "" {
		q = q.Where("account_id = ?", f.AccountID)
	}
	if f.KeyID != "" {
		q = q.Where("key_id = ?", f.KeyID)
	}
	if f.ClientRequestID != "" {
		q = q.Where("client_request_id = ?", f.ClientRequestID)
	}
	if f.ProviderID != "" {
		q = q.Where("provider_id = ?", f.ProviderID)
	}
	if f.Model != "" {
		q = q.Where("model = ?", f.Model)
	}
	switch f.Code {
	case "":
	case gateway.CodeOK:
		q = q.Where("code = ''")
	default:
		q = q.Where("code = ?", string(f.Code))
	}
	if !f.Since.IsZero() {
		q = q.Where("? >= ?", bun.Ident("time"), dbTime(f.Since))
	}
	if !f.Until.IsZero() {
		q = q.Where("? < ?", bun.Ident("time"), dbTime(f.Until))
	}
	if b := f.Before; b != nil {
		t := dbTime(b.Time)
		q = q.Where("(? < ? OR (? = ? AND id < ?))", bun.Ident("time"), t, bun.Ident("time"), t, b.ID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, internal("list records", err)
	}
	out := make([]*gateway.RequestRecord, len(rows))
	for i := range rows {
		out[i] = rows[i].record()
	}
	return out, nil
}

// DeleteRecordsBefore deletes at most limit records older than t, oldest
// first, in one statement.
func (s *Store) DeleteRecordsBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	oldest := s.db.NewSelect().Model((*recordRow)(nil)).Column("id").
		Where("? < ?", bun.Ident("time"), dbTime(t)).
		OrderExpr("? ASC, id ASC", bun.Ident("time")).Limit(int64(limit))
	res, err := s.db.NewDelete().Model((*recordRow)(nil)).Where("id IN (?)", oldest).Exec(ctx)
	if err != nil {
		return 0, internal("delete records", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, internal("delete records", err)
	}
	return int(n), nil
}

// pricesJSON is gateway.Prices as a record keeps them.
type pricesJSON struct {
	Input       int64 `json:"input,omitempty"`
	CachedInput int64 `json:"cached_input,omitempty"`
	CacheWrite  int64 `json:"cache_write,omitempty"`
	Output      int64 `json:"output,omitempty"`
	Reasoning   int64 `json:"reasoning,omitempty"`
	PerRequest  int64 `json:"per_request,omitempty"`
}

func pricesRow(p gateway.Prices) *pricesJSON {
	if p.IsZero() {
		return nil
	}
	return &pricesJSON{int64(p.Input), int64(p.CachedInput), int64(p.CacheWrite), int64(p.Output), int64(p.Reasoning), int64(p.PerRequest)}
}

func (p *pricesJSON) prices() gateway.Prices {
	if p == nil {
		return gateway.Prices{}
	}
	return gateway.Prices{Input: gateway.Micros(p.Input), CachedInput: gateway.Micros(p.CachedInput), CacheWrite: gateway.Micros(p.CacheWrite),
		Output: gateway.Micros(p.Output), Reasoning: gateway.Micros(p.Reasoning), PerRequest: gateway.Micros(p.PerRequest)}
}
