package gateway

import (
	"context"
	"time"
)

// Cache is fast state shared by every instance of the gateway: values with
// a time to live, atomic counters, rate-limit decisions, credit holds,
// outcome figures for circuit breakers, and publish/subscribe. The memory Cache makes one instance exact; a shared
// one (Redis) makes N instances behave as one. Every method is one atomic
// operation (one round trip), never read-modify-write by the caller.
type Cache interface {
	// Get returns the value at key. CodeNotFound if there is none or it
	// expired.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value at key for ttl; ttl 0 keeps it until deleted.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes key; removing a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Incr adds delta to the counter at key and returns the new value. A
	// missing key counts from 0 and, when ttl > 0, expires ttl after it
	// was created; later calls do not extend it.
	Incr(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error)
	// Allow takes n units from the token bucket at key, which holds at
	// most limit units and refills limit units per window, evenly. It
	// takes nothing when the bucket holds fewer than n: the Decision then
	// says how long until it will. CodeInvalid if limit or window is not
	// positive, or n is not in [1, limit].
	Allow(ctx context.Context, key string, limit int64, window time.Duration, n int64) (Decision, error)
	// Publish sends payload to every current subscriber of channel, on
	// every instance.
	Publish(ctx context.Context, channel string, payload []byte) error
	// Take takes each bucket's N units from it, all or none, in one
	// atomic step: when any bucket holds fewer than its N, nothing is
	// taken and the Admission names the first such bucket and when it will
	// hold them. Buckets behave as in Allow. The keys of one call must be
	// able to live together (one Redis Cluster slot): callers put a hash
	// tag such as {account} in them. CodeInvalid as Allow, per bucket.
	Take(ctx context.Context, buckets []Bucket) (Admission, error)
	// Adjust moves each bucket's level by -N regardless of what it holds:
	// a positive N takes units even into debt (a request used more tokens
	// than it was admitted for), a negative N gives units back, never
	// past the bucket's limit. Keys as in Take. CodeInvalid if a limit
	// or window is not positive.
	Adjust(ctx context.Context, buckets []Bucket) error
	// Reserve places a hold of amount on account under id when the
	// account's open holds plus amount do not exceed limit (the balance
	// the caller read); the hold lapses after ttl unless released. A
	// second Reserve of an id that is held changes nothing and is granted
	// again, so a retried request never holds twice. CodeInvalid if amount
	// is not positive or ttl is not positive.
	Reserve(ctx context.Context, account, id string, amount, limit Micros, ttl time.Duration) (Reservation, error)
	// Release removes the hold and returns its amount; found is false when
	// there was none (never made, released already, or lapsed). Billing
	// settles a request by releasing its hold and writing the exact cost to
	// the ledger, whose request id makes the charge idempotent.
	Release(ctx context.Context, account, id string) (amount Micros, found bool, err error)
	// Held returns the sum of the account's open holds.
	Held(ctx context.Context, account string) (Micros, error)
	// AddOutcomes adds successes and failures to the figures at key, in
	// the time bucket of now (a tenth of window wide), and returns the
	// totals over the last window as every instance added them: breakers
	// share their figures with one call, off the request path. Adding
	// zeros only reads. CodeInvalid if a count is negative or window is
	// not positive.
	AddOutcomes(ctx context.Context, key string, successes, failures int64, window time.Duration) (Outcomes, error)
	// HoldFunds places a hold of amount under id on the credit balance of
	// account when the balance minus its open holds covers it; the hold
	// lapses after ttl unless settled. The Cache keeps the balance; when
	// it has none for the account (first use, or after a restart) it
	// starts from seed, the Store's figure. A second HoldFunds of an id
	// that is held changes nothing and is granted again. CodeInvalid if
	// amount or ttl is not positive.
	HoldFunds(ctx context.Context, account, id string, amount, seed Micros, ttl time.Duration) (granted bool, f Funds, err error)
	// SettleFunds ends the request id: it removes its hold (if still
	// open) and takes cost from the balance, at most down to zero, in one
	// atomic step, and returns what it took. It is idempotent by id for
	// SettleMemory: a repeated settle takes nothing, reports first false
	// and returns what the first one took. The balance starts from seed
	// as in HoldFunds. CodeInvalid if cost is negative.
	SettleFunds(ctx context.Context, account, id string, cost, seed Micros) (charged Micros, first bool, err error)
	// DebitFunds takes amount from the balance once per id (a debit the
	// Store will write as ledger entry id), all or nothing: a debit that
	// would take the balance below zero takes nothing and reports ok
	// false, and may be asked again; a repeat of one taken, as a retry
	// after a lost reply, takes nothing more and reports ok true. It is
	// idempotent for SettleMemory, as CreditFunds. The balance starts from
	// seed as in HoldFunds; a debit of 0 only seeds it. CodeInvalid if
	// amount is negative.
	DebitFunds(ctx context.Context, account, id string, amount, seed Micros) (balance Micros, ok bool, err error)
	// CreditFunds adds amount to the balance once per id: a credit the
	// Store has written (a refund, a coupon), which a retry after a lost
	// reply must not add twice. It is idempotent by id for SettleMemory:
	// a repeat adds nothing and reports first false. The balance starts
	// from seed as in HoldFunds. CodeInvalid if amount is negative.
	CreditFunds(ctx context.Context, account, id string, amount, seed Micros) (balance Micros, first bool, err error)
	// ExpireFunds makes the Cache forget the account's balance and holds
	// at at (a budget period's, once it is over).
	ExpireFunds(ctx context.Context, account string, at time.Time) error
	// GetFunds returns the account's balance and open holds; Known is
	// false when the Cache holds no balance for it.
	GetFunds(ctx context.Context, account string) (Funds, error)
	// Admit does in one atomic step what lets a request in: it takes the
	// ticket's buckets' units (as Take), places a lease under the
	// ticket's ID on each of its lease keys (as Reserve of 1 under the
	// lease's limit, lapsing after LeaseTTL) and, when it has Funds,
	// holds them under the ID (as HoldFunds): all or none. The Admission
	// says which part refused: Refused (a bucket), Lease or Broke. A
	// second Admit of a ticket whose leases and hold are placed takes
	// the buckets' units again but places nothing twice. The ticket's
	// keys must be able to live together, as in Take: the gateway puts
	// the account's hash tag in them and uses the account as the funds'
	// name. CodeInvalid as Take, Reserve and HoldFunds.
	Admit(ctx context.Context, t Ticket) (Admission, error)
	// Finish ends in one atomic step what Admit began: it moves each of
	// adjust's buckets (as Adjust), removes the ticket ID's lease from
	// each of the ticket's lease keys and, when the ticket has Funds,
	// settles them at cost (as SettleFunds: idempotent by ID), returning
	// what that took and whether this was the first settlement. Keys as
	// in Admit. CodeInvalid as Adjust and SettleFunds.
	Finish(ctx context.Context, t Ticket, adjust []Bucket, cost Micros) (charged Micros, first bool, err error)
	// Subscribe returns the payloads published to channel from now on,
	// in order, until ctx ends; then the channel is closed. A subscriber
	// that falls behind may miss payloads, so subscribers treat a payload
	// as "something changed", never as the change itself.
	Subscribe(ctx context.Context, channel string) (<-chan []byte, error)
}

// Decision is the answer of Cache.Allow.
type Decision struct {
	Allowed bool
	// Remaining is how many whole units the bucket holds after the call.
	Remaining int64
	// RetryAfter is how long until n units are there, when not Allowed.
	RetryAfter time.Duration
}

// Bucket names a token bucket, its shape, and the units a call takes.
type Bucket struct {
	Key    string
	Limit  int64
	Window time.Duration
	N      int64
}

// Admission is the answer of Cache.Take.
type Admission struct {
	Allowed bool
	// Refused is the index of the first bucket that could not give its
	// units, or -1.
	Refused int
	// Remaining is, per bucket, the whole units it holds after the call
	// (at most 0 for a bucket in debt).
	Remaining []int64
	// RetryAfter is how long until the refused bucket holds its units.
	RetryAfter time.Duration
	// Lease is, for Admit, the index of the first lease whose key was
	// full, or -1.
	Lease int
	// Broke is, for Admit, whether the ticket's funds were refused: the
	// balance less its open holds did not cover them. Funds are then
	// the balance and holds the Cache had.
	Broke bool
	Funds Funds
}

// Ticket is what one request takes from the Cache on its way in
// (Admit) and gives back on its way out (Finish): one round trip each.
type Ticket struct {
	// ID is the request's: leases and the funds hold are placed under it.
	ID       string
	Buckets  []Bucket
	Leases   []Lease
	LeaseTTL time.Duration
	// Funds, when set, are held on the way in and settled on the way out.
	Funds *TicketFunds
}

// Validate reports, as CodeInvalid, a ticket that places leases without
// a positive LeaseTTL or holds funds without a positive amount and TTL.
// Its buckets are the adapter's to check, as in Take.
func (t *Ticket) Validate() error {
	if len(t.Leases) > 0 && t.LeaseTTL <= 0 {
		return Invalid("lease_ttl", "a lease's ttl must be positive")
	}
	if f := t.Funds; f != nil {
		if f.Amount <= 0 {
			return Invalid("amount", "a hold's amount must be positive")
		}
		if f.TTL <= 0 {
			return Invalid("ttl", "a hold's ttl must be positive")
		}
	}
	return nil
}

// Lease is a concurrency limit: at most Limit leases live at Key.
type Lease struct {
	Key   string
	Limit int64
}

// TicketFunds is a hold on an account's credit balance, as HoldFunds
// places it.
type TicketFunds struct {
	Account string
	Amount  Micros
	Seed    Micros // the Store's balance, for a Cache that has none
	TTL     time.Duration
}

// Reservation is the answer of Cache.Reserve.
type Reservation struct {
	Granted bool
	// Held is the sum of the account's open holds after the call.
	Held Micros
}

// Funds are an account's credit balance and the holds on it, as the
// Cache keeps them.
type Funds struct {
	Balance Micros
	Held    Micros
	// Known is false when the Cache had no balance for the account.
	Known bool
}

// SettleMemory is how long a settled request id is remembered, so that a
// repeated settlement charges nothing.
const SettleMemory = 24 * time.Hour

// Outcomes are the successes and failures a key counted over a window.
type Outcomes struct {
	Successes int64
	Failures  int64
}

// ChangesChannel is the Cache channel on which configuration changes are
// announced; every Gateway reloads its Snapshot when one arrives.
const ChangesChannel = "tollgate:changes"
