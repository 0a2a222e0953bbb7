package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/tollgate-ai/tollgate/gateway"
)

// defaultAlertLimit is how many alerts ListAlerts returns when the
// filter sets no Limit.
const defaultAlertLimit = 100

// alertRow is a row of the alerts table.
type alertRow struct {
	bun.BaseModel `bun:"table:alerts"`

	ID          string    `bun:"id,pk"`
	Type        string    `bun:"type"`
	Severity    string    `bun:"severity"`
	Status      string    `bun:"status"`
	Title       string    `bun:"title"`
	Message     string    `bun:"message"`
	Subject     string    `bun:"subject"`
	Metric      string    `bun:"metric"`
	Value       float64   `bun:"value"`
	Threshold   float64   `bun:"threshold"`
	WindowNS    int64     `bun:"window_ns"`
	Fingerprint string    `bun:"fingerprint"`
	FirstSeen   time.Time `bun:"first_seen,nullzero"`
	LastSeen    time.Time `bun:"last_seen,nullzero"`
	Count       int64     `bun:"count"`
	// Deliveries are JSON.
	Deliveries []deliveryJSON `bun:"deliveries"`
}

// deliveryJSON is a gateway.AlertDelivery as stored.
type deliveryJSON struct {
	Notifier string    `json:"notifier"`
	Attempts int       `json:"attempts"`
	Err      string    `json:"error,omitempty"`
	At       time.Time `json:"at"`
}

func newAlertRow(a *gateway.Alert) *alertRow {
	return &alertRow{
		ID:          a.ID,
		Type:        a.Type,
		Severity:    string(a.Severity),
		Status:      string(a.Status),
		Title:       a.Title,
		Message:     a.Message,
		Subject:     a.Subject,
		Metric:      a.Details.Metric,
		Value:       a.Details.Value,
		Threshold:   a.Details.Threshold,
		WindowNS:    int64(a.Details.Window),
		Fingerprint: a.Fingerprint,
		FirstSeen:   dbTime(a.FirstSeen),
		LastSeen:    dbTime(a.LastSeen),
		Count:       a.Count,
		Deliveries:  deliveryRows(a.Deliveries),
	}
}

func deliveryRows(ds []gateway.AlertDelivery) []deliveryJSON {
	if len(ds) == 0 {
		return nil
	}
	out := make([]deliveryJSON, len(ds))
	for i, d := range ds {
		out[i] = deliveryJSON{Notifier: d.Notifier, Attempts: d.Attempts, Err: d.Err, At: d.At.UTC()}
	}
	return out
}

func (r *alertRow) alert() *gateway.Alert {
	return &gateway.Alert{
		ID:       r.ID,
		Type:     r.Type,
		Severity: gateway.Severity(r.Severity),
		Status:   gateway.AlertStatus(r.Status),
		Title:    r.Title,
		Message:  r.Message,
		Subject:  r.Subject,
		Details: gateway.AlertDetails{
			Metric: r.Metric, Value: r.Value, Threshold: r.Threshold, Window: time.Duration(r.WindowNS),
		},
		Fingerprint: r.Fingerprint,
		FirstSeen:   dbTime(r.FirstSeen),
		LastSeen:    dbTime(r.LastSeen),
		Count:       r.Count,
		Deliveries:  deliveries(r.Deliveries),
	}
}

func deliveries(rows []deliveryJSON) []gateway.AlertDelivery {
	if len(rows) == 0 {
		return nil
	}
	out := make([]gateway.AlertDelivery, len(rows))
	for i, d := range rows {
		out[i] = gateway.AlertDelivery{Notifier: d.Notifier, Attempts: d.Attempts, Err: d.Err, At: d.At.UTC()}
	}
	return out
}

// AddAlertDeliveries appends ds to the alert's deliveries, keeping the
// last gateway.MaxAlertDeliveries, in one transaction. CodeNotFound if
// there is no alert.
func (s *Store) AddAlertDeliveries(ctx context.Context, id string, ds []gateway.AlertDelivery) error {
	var row alertRow
	err := update(ctx, s, &row, id, func() error {
		all := append(deliveries(row.Deliveries), ds...)
		row.Deliveries = deliveryRows(gateway.KeepDeliveries(all))
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("alert", id)
	}
	if err != nil {
		return internal("add alert deliveries", err)
	}
	return nil
}

// ReportAlert records a sighting of a at now, in one transaction: it
// reads the latest open or acknowledged alert with a.Fingerprint (FOR
// UPDATE on PostgreSQL) and updates it if it was last seen within
// cooldown of now, or inserts a as a new alert.
//
// Concurrent reports of one fingerprint are serialized, so that exactly
// one of them opens the alert the others update: on SQLite by the
// write lock every transaction takes first (BEGIN IMMEDIATE), on
// PostgreSQL by a transaction-scoped advisory lock keyed by the schema
// and fingerprint, which also covers the first insert, when there is no
// row to lock yet. (A unique index on the fingerprint of open alerts
// would not do: an alert last seen before the cooldown stays open when a
// new one opens.)
func (s *Store) ReportAlert(ctx context.Context, a *gateway.Alert, now time.Time, cooldown time.Duration) (*gateway.Alert, bool, error) {
	var out *gateway.Alert
	var opened bool
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if s.pg {
			const key = `SELECT pg_advisory_xact_lock(hashtextextended('tollgate.sqlstore.alert:' || coalesce(current_schema(), '') || ':' || ?, 0))`
			if _, err := tx.ExecContext(ctx, key, a.Fingerprint); err != nil {
				return err
			}
		}
		var row alertRow
		q := tx.NewSelect().Model(&row).
			Where("fingerprint = ?", a.Fingerprint).
			Where("status IN (?)", bun.In([]string{string(gateway.AlertOpen), string(gateway.AlertAcknowledged)})).
			OrderExpr("last_seen DESC" + s.nullsLast() + ", id DESC").
			Limit(1)
		if s.pg {
			q = q.For("UPDATE")
		}
		err := q.Scan(ctx)
		switch {
		case err == nil && !now.After(dbTime(row.LastSeen).Add(cooldown)):
			row.LastSeen = dbTime(now)
			row.Count++
			if severityRank(a.Severity) > severityRank(gateway.Severity(row.Severity)) {
				row.Severity = string(a.Severity)
			}
			row.Title, row.Message = a.Title, a.Message
			row.Metric, row.Value, row.Threshold, row.WindowNS =
				a.Details.Metric, a.Details.Value, a.Details.Threshold, int64(a.Details.Window)
			if _, err := tx.NewUpdate().Model(&row).WherePK().Exec(ctx); err != nil {
				return err
			}
			out, opened = row.alert(), false
			return nil
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		r := newAlertRow(a)
		if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
			return err
		}
		out, opened = r.alert(), true
		return nil
	})
	if err != nil {
		return nil, false, internal("report alert", err)
	}
	return out, opened, nil
}

// GetAlert returns the alert. CodeNotFound if there is none.
func (s *Store) GetAlert(ctx context.Context, id string) (*gateway.Alert, error) {
	var row alertRow
	err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("alert", id)
	}
	if err != nil {
		return nil, internal("get alert", err)
	}
	return row.alert(), nil
}

// ListAlerts returns the alerts that match f, last seen first (then by
// ID descending), at most f.Limit of them (100 when f.Limit is 0 or
// negative).
func (s *Store) ListAlerts(ctx context.Context, f gateway.AlertFilter) ([]*gateway.Alert, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultAlertLimit
	}
	var rows []alertRow
	q := s.db.NewSelect().Model(&rows).
		OrderExpr("last_seen DESC" + s.nullsLast() + ", id DESC").
		Limit(int64(limit))
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.Severity != "" {
		q = q.Where("severity = ?", string(f.Severity))
	}
	if f.Type != "" {
		q = q.Where("type = ?", f.Type)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, internal("list alerts", err)
	}
	out := make([]*gateway.Alert, len(rows))
	for i := range rows {
		out[i] = rows[i].alert()
	}
	return out, nil
}

// SetAlertStatus changes an alert's status. CodeNotFound if there is
// none.
func (s *Store) SetAlertStatus(ctx context.Context, id string, status gateway.AlertStatus) (*gateway.Alert, error) {
	var row alertRow
	err := update(ctx, s, &row, id, func() error {
		row.Status = string(status)
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("alert", id)
	}
	if err != nil {
		return nil, internal("set alert status", err)
	}
	return row.alert(), nil
}

// CountAlerts returns how many alerts there are by status and severity,
// ordered by status, then severity (as text), leaving out zeros.
func (s *Store) CountAlerts(ctx context.Context) ([]gateway.AlertCount, error) {
	var rows []struct {
		Status   string `bun:"status"`
		Severity string `bun:"severity"`
		Count    int64  `bun:"count"`
	}
	// COLLATE "C" on PostgreSQL, so that text order is byte order, as on
	// SQLite and in Go.
	order := "status, severity"
	if s.pg {
		order = `status COLLATE "C", severity COLLATE "C"`
	}
	err := s.db.NewSelect().Model((*alertRow)(nil)).
		ColumnExpr("status, severity, COUNT(*) AS count").
		Group("status", "severity").
		OrderExpr(order).
		Scan(ctx, &rows)
	if err != nil {
		return nil, internal("count alerts", err)
	}
	out := make([]gateway.AlertCount, len(rows))
	for i, r := range rows {
		out[i] = gateway.AlertCount{Status: gateway.AlertStatus(r.Status), Severity: gateway.Severity(r.Severity), Count: r.Count}
	}
	return out, nil
}

// severityRank orders severities from least to most urgent; an unknown
// one ranks lowest.
func severityRank(s gateway.Severity) int {
	switch s {
	case gateway.SeverityInfo:
		return 1
	case gateway.SeverityWarning:
		return 2
	case gateway.SeverityCritical:
		return 3
	}
	return 0
}
