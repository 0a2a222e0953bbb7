package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/tollgate-ai/tollgate/gateway"
)

// The migration request_stats made one column per bucket of the latency
// histogram, 14 of them: these fail to compile if gateway.LatencyBuckets
// ever changes without a migration.
const (
	_ = uint(gateway.LatencyBuckets - 14)
	_ = uint(14 - gateway.LatencyBuckets)
)

// statKeyColumns are the primary key of request_stats.
const statKeyColumns = "minute, account_id, key_id, provider_id, credential_id, model"

// statCountColumns are the count columns of request_stats, in the order
// of statCounts.
var statCountColumns = func() []string {
	cols := []string{"requests", "successes", "failures", "prompt_tokens", "completion_tokens", "cached_tokens", "cost", "latency_us"}
	for i := range gateway.LatencyBuckets {
		cols = append(cols, fmt.Sprintf("latency_%d", i))
	}
	return cols
}()

// statCounts returns pointers to the fields of c, in the order of
// statCountColumns.
func statCounts(c *gateway.StatCounts) []any {
	ptrs := []any{&c.Requests, &c.Successes, &c.Failures, &c.PromptTokens, &c.CompletionTokens, &c.CachedTokens,
		(*int64)(&c.Cost), &c.LatencyMicros}
	for i := range c.Latency {
		ptrs = append(ptrs, &c.Latency[i])
	}
	return ptrs
}

// statBatch is how many rows one upsert of statistics writes.
const statBatch = 500

// addStats adds rows to request_stats within tx: a row that exists gets
// the counts added to its own (ON CONFLICT ... DO UPDATE SET n = n +
// EXCLUDED.n, atomic on both dialects). The rows come from
// gateway.Aggregate, each key once and in one order, so concurrent
// transactions lock shared rows in the same order.
func addStats(ctx context.Context, tx bun.Tx, rows []gateway.StatRow) error {
	var set strings.Builder
	for i, col := range statCountColumns {
		if i > 0 {
			set.WriteString(", ")
		}
		fmt.Fprintf(&set, "%s = request_stats.%s + EXCLUDED.%s", col, col, col)
	}
	placeholders := "(?" + strings.Repeat(", ?", 5+len(statCountColumns)) + ")"
	for start := 0; start < len(rows); start += statBatch {
		batch := rows[start:min(start+statBatch, len(rows))]
		var q strings.Builder
		q.WriteString("INSERT INTO request_stats (" + statKeyColumns + ", " + strings.Join(statCountColumns, ", ") + ") VALUES ")
		args := make([]any, 0, len(batch)*(6+len(statCountColumns)))
		for i, r := range batch {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(placeholders)
			args = append(args, r.Minute.Unix(), r.AccountID, r.KeyID, r.ProviderID, r.CredentialID, r.Model)
			for _, p := range statCounts(&r.StatCounts) {
				args = append(args, *p.(*int64))
			}
		}
		q.WriteString(" ON CONFLICT (" + statKeyColumns + ") DO UPDATE SET " + set.String())
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// ceilUnix returns t in Unix seconds, rounded up: the minutes (whole
// seconds) at or after t are those >= ceilUnix(t).
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.After(time.Unix(s, 0)) {
		s++
	}
	return s
}

// statGroupColumns maps StatsQuery.GroupBy to its column.
var statGroupColumns = map[string]string{
	gateway.GroupByAccount:    "account_id",
	gateway.GroupByKey:        "key_id",
	gateway.GroupByProvider:   "provider_id",
	gateway.GroupByCredential: "credential_id",
	gateway.GroupByModel:      "model",
}

// QueryStats sums the minute rows q selects in SQL, by bucket (minute -
// minute % resolution) and group column. CodeInvalid if q does not
// Validate.
func (s *Store) QueryStats(ctx context.Context, q gateway.StatsQuery) ([]gateway.StatPoint, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	res := q.Seconds()
	group, groupBy := "''", ""
	if col, ok := statGroupColumns[q.GroupBy]; ok {
		group, groupBy = col, ", grp"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT minute - minute %% %d AS bucket, %s AS grp", res, group)
	for _, col := range statCountColumns {
		fmt.Fprintf(&b, ", CAST(SUM(%s) AS BIGINT)", col)
	}
	b.WriteString(" FROM request_stats WHERE 1 = 1")
	var args []any
	where := func(cond string, arg any) {
		b.WriteString(" AND " + cond)
		args = append(args, arg)
	}
	if !q.Since.IsZero() {
		where("minute >= ?", ceilUnix(q.Since))
	}
	if !q.Until.IsZero() {
		where("minute < ?", ceilUnix(q.Until))
	}
	for _, f := range []struct{ col, value string }{
		{"account_id", q.AccountID}, {"key_id", q.KeyID}, {"provider_id", q.ProviderID},
		{"credential_id", q.CredentialID}, {"model", q.Model},
	} {
		if f.value != "" {
			where(f.col+" = ?", f.value)
		}
	}
	b.WriteString(" GROUP BY bucket" + groupBy + " ORDER BY bucket" + groupBy)

	rows, err := s.db.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return nil, internal("query stats", err)
	}
	defer rows.Close()
	points := []gateway.StatPoint{}
	for rows.Next() {
		var p gateway.StatPoint
		var bucket int64
		if err := rows.Scan(append([]any{&bucket, &p.Group}, statCounts(&p.StatCounts)...)...); err != nil {
			return nil, internal("query stats", err)
		}
		p.Time = time.Unix(bucket, 0).UTC()
		points = append(points, p)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("query stats", err)
	}
	return points, nil
}

// DeleteStatsBefore deletes the minutes before t, in one statement.
func (s *Store) DeleteStatsBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM request_stats WHERE minute < ?", ceilUnix(t))
	if err != nil {
		return 0, internal("delete stats", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, internal("delete stats", err)
	}
	return int(n), nil
}
