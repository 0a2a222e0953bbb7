package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"time"

	"github.com/uptrace/bun"

	"github.com/tollgate-ai/tollgate/gateway"
)

// ledgerRow is a row of ledger_entries, which is only ever appended to.
type ledgerRow struct {
	bun.BaseModel `bun:"table:ledger_entries"`

	ID           string    `bun:"id,pk"`
	AccountID    string    `bun:"account_id"`
	Kind         string    `bun:"kind"`
	Amount       int64     `bun:"amount"`
	BalanceAfter int64     `bun:"balance_after"`
	Actor        string    `bun:"actor"`
	Reason       string    `bun:"reason"`
	RequestID    string    `bun:"request_id"`
	Time         time.Time `bun:"time,nullzero"`
}

// balanceRow is an account's balance as the ledger's appends keep it.
type balanceRow struct {
	bun.BaseModel `bun:"table:account_balances"`

	AccountID string `bun:"account_id,pk"`
	Balance   int64  `bun:"balance"`
}

func (r *ledgerRow) entry() *gateway.LedgerEntry {
	return &gateway.LedgerEntry{ID: r.ID, AccountID: r.AccountID, Kind: gateway.EntryKind(r.Kind), Amount: gateway.Micros(r.Amount),
		BalanceAfter: gateway.Micros(r.BalanceAfter), Actor: r.Actor, Reason: r.Reason, RequestID: r.RequestID, Time: dbTime(r.Time)}
}

// AppendEntries appends entries in one transaction, each at most once by
// ID. An appended entry moves its account's row of account_balances in
// the same statement that reads the balance back (an upsert returning
// it, which takes the row's lock on PostgreSQL), so concurrent appends
// to one account queue on that row and every BalanceAfter is exact.
func (s *Store) AppendEntries(ctx context.Context, entries []*gateway.LedgerEntry) (int, error) {
	if len(entries) == 0 {
		return 0, nil
	}
	appended := 0
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		appended, err = appendBatch(ctx, tx, entries)
		return err
	})
	if !errors.Is(err, errRaced) {
		if err != nil {
			return 0, internal("append ledger entries", err)
		}
		return appended, nil
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		appended = 0 // a retried transaction starts over
		for _, e := range entries {
			ok, err := appendEntry(ctx, tx, e)
			if err != nil {
				return err
			}
			if ok {
				appended++
			}
		}
		return nil
	})
	if err != nil {
		return 0, internal("append ledger entries", err)
	}
	return appended, nil
}

// GetEntry returns an entry. CodeNotFound if there is none.
func (s *Store) GetEntry(ctx context.Context, id string) (*gateway.LedgerEntry, error) {
	var r ledgerRow
	err := s.db.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("ledger entry", id)
	}
	if err != nil {
		return nil, internal("get ledger entry", err)
	}
	return r.entry(), nil
}

// SummarizeLedger sums the entries f selects by kind, in kind order.
func (s *Store) SummarizeLedger(ctx context.Context, f gateway.LedgerFilter) ([]gateway.KindTotal, error) {
	var rows []struct {
		Kind    string `bun:"kind"`
		Entries int64  `bun:"entries"`
		Amount  int64  `bun:"amount"`
	}
	q := s.db.NewSelect().TableExpr("ledger_entries").
		ColumnExpr("kind, COUNT(*) AS entries, COALESCE(SUM(amount), 0) AS amount").GroupExpr("kind").OrderExpr("kind")
	if f.AccountID != "" {
		q = q.Where("account_id = ?", f.AccountID)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", string(f.Kind))
	}
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if !f.Since.IsZero() {
		q = q.Where("? >= ?", bun.Ident("time"), dbTime(f.Since))
	}
	if !f.Until.IsZero() {
		q = q.Where("? < ?", bun.Ident("time"), dbTime(f.Until))
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, internal("summarize ledger", err)
	}
	out := make([]gateway.KindTotal, len(rows))
	for i, r := range rows {
		out[i] = gateway.KindTotal{Kind: gateway.EntryKind(r.Kind), Entries: r.Entries, Amount: gateway.Micros(r.Amount)}
	}
	return out, nil
}

// errRaced is appendBatch's answer when another writer stored one of its
// entries between its check and its insert.
var errRaced = errors.New("a ledger entry was stored meanwhile")

// appendBatch appends the entries whose IDs are not stored, in three
// statements whatever their number (which IDs are stored, one balance
// upsert per account, one insert of every row) rather than three per
// entry, so that a busy gateway's settlements cost the database little.
// Each account's balance row is moved once by the batch's sum, taking its
// lock (accounts in sorted order, so two batches cannot deadlock), and
// the entries' BalanceAfter are counted up from the balance before. An
// entry stored meanwhile by another writer makes it answer errRaced: the
// caller then appends one by one, which settles who wrote what.
func appendBatch(ctx context.Context, tx bun.Tx, entries []*gateway.LedgerEntry) (int, error) {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	var stored []string
	if err := tx.NewSelect().Model((*ledgerRow)(nil)).Column("id").Where("id IN (?)", bun.In(ids)).Scan(ctx, &stored); err != nil {
		return 0, err
	}
	skip := make(map[string]bool, len(stored)+len(entries))
	for _, id := range stored {
		skip[id] = true
	}
	var fresh []*gateway.LedgerEntry
	sums := make(map[string]int64)
	for _, e := range entries {
		if skip[e.ID] {
			continue
		}
		skip[e.ID] = true
		fresh = append(fresh, e)
		sums[e.AccountID] += int64(e.Amount)
	}
	if len(fresh) == 0 {
		return 0, nil
	}
	accounts := make([]string, 0, len(sums))
	for a := range sums {
		accounts = append(accounts, a)
	}
	sort.Strings(accounts)
	running := make(map[string]int64, len(accounts))
	for _, a := range accounts {
		var after int64
		err := tx.NewInsert().Model(&balanceRow{AccountID: a, Balance: sums[a]}).
			On("CONFLICT (account_id) DO UPDATE").
			Set("balance = ?TableAlias.balance + EXCLUDED.balance").
			Returning("balance").Scan(ctx, &after)
		if err != nil {
			return 0, err
		}
		running[a] = after - sums[a]
	}
	rows := make([]ledgerRow, len(fresh))
	for i, e := range fresh {
		running[e.AccountID] += int64(e.Amount)
		rows[i] = newLedgerRow(e)
		rows[i].BalanceAfter = running[e.AccountID]
	}
	res, err := tx.NewInsert().Model(&rows).On("CONFLICT (id) DO NOTHING").Exec(ctx)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(len(rows)) {
		return 0, errRaced
	}
	for i, e := range fresh {
		e.BalanceAfter = gateway.Micros(rows[i].BalanceAfter)
	}
	return len(rows), nil
}

func newLedgerRow(e *gateway.LedgerEntry) ledgerRow {
	return ledgerRow{ID: e.ID, AccountID: e.AccountID, Kind: string(e.Kind), Amount: int64(e.Amount),
		Actor: e.Actor, Reason: e.Reason, RequestID: e.RequestID, Time: dbTime(e.Time)}
}

// appendEntry appends e in tx unless its ID is stored, moving its
// account's balance and setting its BalanceAfter, and reports whether it
// did.
func appendEntry(ctx context.Context, tx bun.Tx, e *gateway.LedgerEntry) (bool, error) {
	row := newLedgerRow(e)
	res, err := tx.NewInsert().Model(&row).On("CONFLICT (id) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil // written before
	}
	var after int64
	err = tx.NewInsert().Model(&balanceRow{AccountID: e.AccountID, Balance: int64(e.Amount)}).
		On("CONFLICT (account_id) DO UPDATE").
		Set("balance = ?TableAlias.balance + EXCLUDED.balance").
		Returning("balance").Scan(ctx, &after)
	if err != nil {
		return false, err
	}
	if _, err := tx.NewUpdate().Model((*ledgerRow)(nil)).Set("balance_after = ?", after).Where("id = ?", e.ID).Exec(ctx); err != nil {
		return false, err
	}
	e.BalanceAfter = gateway.Micros(after)
	return true, nil
}

// Balances returns the balance of every account with entries.
func (s *Store) Balances(ctx context.Context) (map[string]gateway.Micros, error) {
	var rows []balanceRow
	if err := s.db.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, internal("read balances", err)
	}
	out := make(map[string]gateway.Micros, len(rows))
	for _, r := range rows {
		out[r.AccountID] = gateway.Micros(r.Balance)
	}
	return out, nil
}

// ListEntries returns the entries f selects, newest first (by Time, then
// ID), at most f.Limit (100 when not set).
func (s *Store) ListEntries(ctx context.Context, f gateway.LedgerFilter) ([]*gateway.LedgerEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultRecordLimit
	}
	var rows []ledgerRow
	q := s.db.NewSelect().Model(&rows).OrderExpr("? DESC"+s.nullsLast()+", id DESC", bun.Ident("time")).Limit(int64(limit))
	if f.AccountID != "" {
		q = q.Where("account_id = ?", f.AccountID)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", string(f.Kind))
	}
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
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
		return nil, internal("list ledger entries", err)
	}
	out := make([]*gateway.LedgerEntry, len(rows))
	for i := range rows {
		out[i] = rows[i].entry()
	}
	return out, nil
}

// CheckLedger sums every account's entries in the database and returns
// the accounts whose kept balance differs (a balance with no entries, or
// entries with no balance, count too).
func (s *Store) CheckLedger(ctx context.Context) ([]gateway.LedgerDrift, error) {
	var rows []struct {
		AccountID string `bun:"account_id"`
		Balance   int64  `bun:"balance"`
		Sum       int64  `bun:"sum"`
	}
	err := s.db.NewRaw(`
		SELECT account_id, SUM(balance) AS balance, SUM(total) AS sum FROM (
			SELECT account_id, balance, 0 AS total FROM account_balances
			UNION ALL
			SELECT account_id, 0 AS balance, SUM(amount) AS total FROM ledger_entries GROUP BY account_id
		) AS both_sides GROUP BY account_id HAVING SUM(balance) <> SUM(total) ORDER BY account_id`).Scan(ctx, &rows)
	if err != nil {
		return nil, internal("check ledger", err)
	}
	out := make([]gateway.LedgerDrift, len(rows))
	for i, r := range rows {
		out[i] = gateway.LedgerDrift{AccountID: r.AccountID, Balance: gateway.Micros(r.Balance), Sum: gateway.Micros(r.Sum)}
	}
	return out, nil
}
