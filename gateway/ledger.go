package gateway

import (
	"context"
	"time"
)

// EntryKind says why a balance changed.
type EntryKind string

// The kinds of ledger entries.
const (
	EntryGrant      EntryKind = "grant"       // credits given by an admin
	EntryPurchase   EntryKind = "purchase"    // credits bought
	EntryCoupon     EntryKind = "coupon"      // credits from a redeemed coupon
	EntryUsage      EntryKind = "usage"       // a request's exact cost
	EntryRefund     EntryKind = "refund"      // a request's cost given back
	EntryAdjustment EntryKind = "adjustment"  // an admin's correction, either way
	EntryHoldExpiry EntryKind = "hold_expiry" // a lapsed hold's request settled late
)

// LedgerEntry is one change of an account's balance. The ledger is
// append-only: a balance is the sum of its account's entries, and each
// entry names its cause.
type LedgerEntry struct {
	// ID is unique; entries caused by a request derive it from the
	// request's id, so writing one twice stores it once.
	ID        string
	AccountID string
	Kind      EntryKind
	// Amount is signed: credits positive, charges negative.
	Amount Micros
	// BalanceAfter is the account's balance after the entry, set by the
	// Store when it appends it.
	BalanceAfter Micros
	// Actor is who caused it: "admin", "account:<id>", "system".
	Actor     string
	Reason    string
	RequestID string
	Time      time.Time
}

// KindTotal is the sum and count of one kind of entries.
type KindTotal struct {
	Kind    EntryKind
	Entries int64
	Amount  Micros
}

// RefundEntryID is the ID of the refund entry of a request: one refund
// per request.
func RefundEntryID(requestID string) string { return "refund:" + requestID }

// UsageEntryID is the ID of the usage entry of a request.
func UsageEntryID(requestID string) string { return "usage:" + requestID }

// LedgerFilter selects entries in ListEntries; zero fields match
// everything.
type LedgerFilter struct {
	AccountID string
	Kind      EntryKind
	Actor     string
	// Since and Until select Time: Since <= Time < Until.
	Since, Until time.Time
	// Before continues a listing: only entries older than this position
	// (by Time, then ID) match.
	Before *RecordCursor
	// Limit caps the entries returned; zero means 100.
	Limit int
}

// Matches reports whether e is one f selects (Limit aside).
func (f *LedgerFilter) Matches(e *LedgerEntry) bool {
	switch {
	case f.AccountID != "" && e.AccountID != f.AccountID,
		f.Kind != "" && e.Kind != f.Kind,
		f.Actor != "" && e.Actor != f.Actor,
		!f.Since.IsZero() && e.Time.Before(f.Since),
		!f.Until.IsZero() && !e.Time.Before(f.Until):
		return false
	}
	if b := f.Before; b != nil {
		return e.Time.Before(b.Time) || (e.Time.Equal(b.Time) && e.ID < b.ID)
	}
	return true
}

// LedgerDrift is an account whose stored balance is not the sum of its
// entries.
type LedgerDrift struct {
	AccountID string
	// Balance is the balance the Store keeps; Sum the sum of the entries.
	Balance, Sum Micros
}

// LedgerStore keeps the credits ledger.
type LedgerStore interface {
	// AppendEntries appends entries in order, atomically, each at most
	// once: an entry whose ID is stored already is skipped. Each appended
	// entry gets BalanceAfter, its account's balance after it. Amounts
	// are taken as given; the Cache decided them. It returns how many it
	// appended.
	AppendEntries(ctx context.Context, entries []*LedgerEntry) (int, error)
	// GetEntry returns an entry by ID. CodeNotFound if there is none.
	GetEntry(ctx context.Context, id string) (*LedgerEntry, error)
	// SummarizeLedger sums the entries f selects (its Before and Limit
	// aside) by kind.
	SummarizeLedger(ctx context.Context, f LedgerFilter) ([]KindTotal, error)
	// Balances returns the balance of every account that has entries.
	Balances(ctx context.Context) (map[string]Micros, error)
	// ListEntries returns the entries f selects, newest first.
	ListEntries(ctx context.Context, f LedgerFilter) ([]*LedgerEntry, error)
	// CheckLedger recomputes every account's balance from its entries and
	// returns the accounts where it differs from the balance kept.
	CheckLedger(ctx context.Context) ([]LedgerDrift, error)
}
