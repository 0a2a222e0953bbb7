package gatewaytest

import (
	"errors"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// TestStore runs the conformance suite for gateway.Store against the
// stores newStore returns. newStore is called once per subtest, with that
// subtest's t, and must return an empty Store; it registers its own
// cleanup with t.Cleanup. Subtests run in parallel and are named by
// method and outcome ("CreateAccount/ErrConflictName").
//
// The suite checks what the port docs promise: every field round-trips
// (times at microsecond precision, in any location), lists are ordered
// (oldest first means by CreatedAt, then ID), filters and limits apply,
// errors carry the documented Codes, returned values are copies, Update
// closures are atomic and abort on error, DeleteProvider cascades and
// CreateCredentials is all or nothing, and InsertRecords counts each
// stored record in the statistics exactly once, however often (or
// concurrently) its batch is retried. It also checks that a Store copies
// what it is given: changing a value after Create does not change the
// Store. Run it under -race.
func TestStore(t *testing.T, newStore func(t *testing.T) gateway.Store) {
	groups := []struct {
		name string
		run  func(*testing.T, storeFactory)
	}{
		{"CreateAccount", testCreateAccount},
		{"GetAccount", testGetAccount},
		{"ListAccounts", testListAccounts},
		{"UpdateAccount", testUpdateAccount},
		{"CreateKey", testCreateKey},
		{"GetKey", testGetKey},
		{"ListKeys", testListKeys},
		{"UpdateKey", testUpdateKey},
		{"CreateProvider", testCreateProvider},
		{"GetProvider", testGetProvider},
		{"ListProviders", testListProviders},
		{"UpdateProvider", testUpdateProvider},
		{"DeleteProvider", testDeleteProvider},
		{"CreateCredentials", testCreateCredentials},
		{"ListCredentials", testListCredentials},
		{"UpdateCredential", testUpdateCredential},
		{"DeleteCredential", testDeleteCredential},
		{"CreateBinding", testCreateBinding},
		{"ListBindings", testListBindings},
		{"DeleteBinding", testDeleteBinding},
		{"PutModel", testPutModel},
		{"GetModel", testGetModel},
		{"ListModels", testListModels},
		{"DeleteModel", testDeleteModel},
		{"InsertRecords", testInsertRecords},
		{"ListRecords", testListRecords},
		{"FilterRecords", testFilterRecords},
		{"DeleteRecordsBefore", testDeleteRecordsBefore},
		{"Stats", testStats},
		{"Settings", testSettings},
		{"Alerts", testAlerts},
		{"Ledger", testLedger},
		{"Coupons", testCoupons},
		{"CredentialEvents", testCredentialEvents},
		{"Policies", testPolicies},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			g.run(t, newStore)
		})
	}
}

// storeFactory is the argument of TestStore.
type storeFactory = func(t *testing.T) gateway.Store

// run runs fn as a parallel subtest of t named name, with a fresh Store
// and a strict is.I.
func run(t *testing.T, name string, newStore storeFactory, fn func(t *testing.T, is *is.I, s gateway.Store)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		fn(t, is.New(t), newStore(t))
	})
}

// errAbort is what Update closures return in the suites, to check that
// the Store returns it unchanged.
var errAbort = errors.New("gatewaytest: closure aborted the update")

// base is the instant the fixtures are built around. It has microsecond
// precision, the least a Store may keep.
var base = time.Date(2025, time.March, 14, 15, 9, 26, 535897000, time.UTC)

// elsewhere is a location fixtures use for some times, so that a Store
// that returns times in another location still compares equal.
var elsewhere = time.FixedZone("UTC+5:30", 5*3600+30*60)

// at returns base plus i seconds.
func at(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }

// normTime makes a time comparable with ==: microsecond precision, UTC,
// no monotonic reading; the zero time stays zero.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Truncate(time.Microsecond).UTC()
}

// normStrings treats nil and empty slices alike, as a SQL store may not
// tell them apart.
func normStrings(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// normMap treats nil and empty maps alike.
func normMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// codeOf returns err's Code, for is.Equal.
func codeOf(err error) gateway.Code { return gateway.ErrorCode(err) }

// race runs fn in n goroutines started together and returns their errors,
// indexed by goroutine.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	done := make(chan struct{})
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	for range n {
		<-done
	}
	return errs
}
