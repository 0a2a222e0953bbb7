package gateway

import (
	"context"
	"time"
)

// RequestRecord is what Tollgate keeps of one request: who made it, where
// it went, every attempt, what it used and cost. It never holds a secret.
type RequestRecord struct {
	ID string // the request id, also sent to the client as X-Request-Id
	// ClientRequestID is the id the client sent for the request, if any
	// (see Caller.ClientRequestID).
	ClientRequestID string
	Time            time.Time
	AccountID       string
	KeyID           string
	Namespace       string
	Endpoint        string // "chat" or "embeddings"
	Model           string // as the client asked
	// ServedModel is the model the upstream reported serving.
	ServedModel  string
	ProviderID   string // of the attempt that answered, or the last one tried
	CredentialID string
	Attempts     []Attempt
	// Code is "" for success, else the code of the error returned.
	Code  Code
	Error string // the client-safe message of that error
	Usage Usage
	Cost  Micros
	// Prices are what the request was charged at (the catalog's then).
	Prices    Prices
	Latency   time.Duration // until the response ended
	FirstByte time.Duration // until the first byte of the response was ready
	Stream    bool
	// ClientIP is a keyed hash of the client's address, never the address.
	ClientIP string
	// Prepaid is whether the request held its account's prepaid balance,
	// so that its cost is taken from it: Reconcile settles only these.
	Prepaid bool
	// LimitedBy names the limit that refused the request
	// ("requests_per_minute", "concurrent"), when one did.
	LimitedBy string
	// RequestBody and ResponseBody are kept only when Config.LogBodies or
	// the provider's "log_bodies" option asks for them: JSON with
	// secret-looking tokens redacted, cut at 64 KiB. A stream's response
	// is its chunks, one JSON object a line.
	RequestBody  string
	ResponseBody string
}

// Observer learns of every finished request as it is recorded, on the
// request path: it must be quick and never block (metrics counters, not
// I/O).
type Observer interface {
	Observe(r *RequestRecord)
}

// Attempt is one call to an upstream within a request.
type Attempt struct {
	ProviderID   string
	CredentialID string
	Code         Code // "" for success
	Status       int  // the provider's HTTP status, when it answered
	Error        string
	Latency      time.Duration
}

// RecordFilter selects records in ListRecords. Zero fields match
// everything; Limit 0 means 100.
type RecordFilter struct {
	AccountID  string
	KeyID      string
	ProviderID string
	Model      string // as the client asked
	// ClientRequestID selects the records of the id a client sent.
	ClientRequestID string
	// Code selects by outcome: CodeOK for successes, or an error code.
	Code Code
	// Since and Until bound Time: Since <= Time < Until.
	Since, Until time.Time
	// Before continues a listing: only records older than this position
	// (by Time, then ID) match.
	Before *RecordCursor
	Limit  int
}

// CodeOK selects successful records in a RecordFilter.
const CodeOK Code = "ok"

// RecordCursor is a position in the newest-first order of records.
type RecordCursor struct {
	Time time.Time
	ID   string
}

// Matches reports whether r passes f's conditions (all but Limit); stores
// that filter in memory use it, and it is the meaning SQL stores follow.
func (f RecordFilter) Matches(r *RequestRecord) bool {
	switch {
	case f.AccountID != "" && r.AccountID != f.AccountID,
		f.KeyID != "" && r.KeyID != f.KeyID,
		f.ProviderID != "" && r.ProviderID != f.ProviderID,
		f.ClientRequestID != "" && r.ClientRequestID != f.ClientRequestID,
		f.Model != "" && r.Model != f.Model,
		f.Code == CodeOK && r.Code != "",
		f.Code != "" && f.Code != CodeOK && r.Code != f.Code,
		!f.Since.IsZero() && r.Time.Before(f.Since),
		!f.Until.IsZero() && !r.Time.Before(f.Until):
		return false
	}
	if b := f.Before; b != nil {
		return r.Time.Before(b.Time) || (r.Time.Equal(b.Time) && r.ID < b.ID)
	}
	return true
}

// RecordStore keeps request records.
type RecordStore interface {
	// InsertRecords stores records. It is idempotent by ID: a record
	// written twice (a retried batch) is kept once. A Store that is also
	// a StatsStore counts, in the same transaction, the records this call
	// inserted and only those, so a retried batch never counts twice
	// (see StatsStore).
	InsertRecords(ctx context.Context, rs []*RequestRecord) error
	// ListRecords returns the records that match f, newest first.
	ListRecords(ctx context.Context, f RecordFilter) ([]*RequestRecord, error)
	// DeleteRecordsBefore deletes at most limit records whose Time is
	// before t, oldest first, and returns how many it deleted.
	DeleteRecordsBefore(ctx context.Context, t time.Time, limit int) (int, error)
}
