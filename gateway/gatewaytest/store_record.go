package gatewaytest

import (
	"fmt"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// newRecord returns a record of a request that failed over once, with
// every field set.
func newRecord(id, account, key string, tm time.Time) *gateway.RequestRecord {
	return &gateway.RequestRecord{
		ID: id, ClientRequestID: "trace-" + id, Time: tm, AccountID: account, KeyID: key, Namespace: "prod", Endpoint: "chat",
		Model: "gpt-4o", ServedModel: "gpt-4o-2024-08-06", ProviderID: "prv_2", CredentialID: "crd_2",
		Attempts: []gateway.Attempt{
			{ProviderID: "prv_1", CredentialID: "crd_1", Code: gateway.CodeUpstream, Status: 503, Error: "overloaded", Latency: 120 * time.Millisecond},
			{ProviderID: "prv_2", CredentialID: "crd_2", Status: 200, Latency: 800 * time.Millisecond},
		},
		Usage: gateway.Usage{
			PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120,
			PromptTokensDetails: &gateway.PromptTokensDetails{CachedTokens: 40, AudioTokens: 2, CacheCreationTokens: 7},
			CompletionTokensDetails: &gateway.CompletionTokensDetails{
				ReasoningTokens: 5, AudioTokens: 1, AcceptedPredictionTokens: 3, RejectedPredictionTokens: 4,
			},
		},
		Cost:    1234,
		Prices:  gateway.Prices{Input: 2_500_000, CachedInput: 1_250_000, CacheWrite: 3_125_000, Output: 10_000_000, Reasoning: 1, PerRequest: 2},
		Latency: 950 * time.Millisecond, FirstByte: 300 * time.Millisecond,
		Stream: true, ClientIP: "203.0.113.7", LimitedBy: "tokens_per_day", Prepaid: true,
		RequestBody: `{"model":"gpt-4o"}`, ResponseBody: "{\"id\":\"chatcmpl-1\"}\n",
	}
}

// normRecord returns a copy of r that compares as the Store promises to
// keep it. Absent token details equal zero ones, since a Store may keep
// usage in columns.
func normRecord(r *gateway.RequestRecord) gateway.RequestRecord {
	c := *r
	c.Time = normTime(c.Time)
	if len(c.Attempts) == 0 {
		c.Attempts = nil
	}
	if p := c.Usage.PromptTokensDetails; p != nil && *p == (gateway.PromptTokensDetails{}) {
		c.Usage.PromptTokensDetails = nil
	}
	if p := c.Usage.CompletionTokensDetails; p != nil && *p == (gateway.CompletionTokensDetails{}) {
		c.Usage.CompletionTokensDetails = nil
	}
	return c
}

// mustInsertRecords inserts records and fails the test on error.
func mustInsertRecords(t *testing.T, s gateway.Store, rs ...*gateway.RequestRecord) {
	t.Helper()
	if err := s.InsertRecords(t.Context(), rs); err != nil {
		t.Fatalf("InsertRecords: %v", err)
	}
}

func recordIDs(t *testing.T, s gateway.Store, f gateway.RecordFilter) []string {
	t.Helper()
	rs, err := s.ListRecords(t.Context(), f)
	if err != nil {
		t.Fatalf("ListRecords(%+v): %v", f, err)
	}
	ids := []string{}
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

// someRecords inserts, out of order, six records of two accounts and
// three keys, req_1 oldest.
func someRecords(t *testing.T, s gateway.Store) {
	t.Helper()
	mustInsertRecords(t, s,
		newRecord("req_3", "acc_1", "key_2", at(3)),
		newRecord("req_1", "acc_1", "key_1", at(1)),
		newRecord("req_6", "acc_2", "key_3", at(6)),
		newRecord("req_2", "acc_2", "key_3", at(2)),
		newRecord("req_5", "acc_1", "key_1", at(5).In(elsewhere)),
		newRecord("req_4", "acc_1", "key_2", at(4)),
	)
}

func testInsertRecords(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		full := newRecord("req_2", "acc_1", "key_1", at(2))
		failed := &gateway.RequestRecord{
			ID: "req_1", Time: at(1), AccountID: "acc_1", KeyID: "key_1", Endpoint: "embeddings",
			Model: "nope", Code: gateway.CodeNotFound, Error: `model "nope" not found`,
		}
		is.NoErr(s.InsertRecords(t.Context(), []*gateway.RequestRecord{failed, full}))
		got, err := s.ListRecords(t.Context(), gateway.RecordFilter{})
		is.NoErr(err)
		is.Equal(len(got), 2)
		is.Equal(normRecord(got[0]), normRecord(full))   // every field round-trips
		is.Equal(normRecord(got[1]), normRecord(failed)) // and absent ones stay absent
	})
	run(t, "OKEmpty", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		is.NoErr(s.InsertRecords(t.Context(), nil))
		is.Equal(recordIDs(t, s, gateway.RecordFilter{}), []string{})
	})
	run(t, "OKIdempotent", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		r1 := newRecord("req_1", "acc_1", "key_1", at(1))
		r2 := newRecord("req_2", "acc_1", "key_1", at(2))
		r3 := newRecord("req_3", "acc_1", "key_1", at(3))
		is.NoErr(s.InsertRecords(t.Context(), []*gateway.RequestRecord{r1, r2}))
		is.NoErr(s.InsertRecords(t.Context(), []*gateway.RequestRecord{r1, r2})) // a retried batch
		is.NoErr(s.InsertRecords(t.Context(), []*gateway.RequestRecord{r2, r3})) // an overlapping one
		is.Equal(recordIDs(t, s, gateway.RecordFilter{}), []string{"req_3", "req_2", "req_1"})
		got, err := s.ListRecords(t.Context(), gateway.RecordFilter{})
		is.NoErr(err)
		is.Equal(normRecord(got[1]), normRecord(r2)) // kept once, intact
	})
	run(t, "CopiesInput", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		r := newRecord("req_1", "acc_1", "key_1", at(1))
		mustInsertRecords(t, s, r)
		r.Model, r.Attempts[0].Status = "changed", 0
		r.Usage.PromptTokensDetails.CachedTokens = 0
		got, err := s.ListRecords(t.Context(), gateway.RecordFilter{})
		is.NoErr(err)
		is.Equal(normRecord(got[0]), normRecord(newRecord("req_1", "acc_1", "key_1", at(1))))
	})
}

func testListRecords(t *testing.T, newStore storeFactory) {
	run(t, "OKEmpty", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		is.Equal(recordIDs(t, s, gateway.RecordFilter{}), []string{})
	})
	run(t, "OKNewestFirst", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		someRecords(t, s)
		is.Equal(recordIDs(t, s, gateway.RecordFilter{}), []string{"req_6", "req_5", "req_4", "req_3", "req_2", "req_1"})
	})
	run(t, "FilterAccountID", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		someRecords(t, s)
		is.Equal(recordIDs(t, s, gateway.RecordFilter{AccountID: "acc_2"}), []string{"req_6", "req_2"})
		is.Equal(recordIDs(t, s, gateway.RecordFilter{AccountID: "acc_3"}), []string{})
	})
	run(t, "FilterKeyID", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		someRecords(t, s)
		is.Equal(recordIDs(t, s, gateway.RecordFilter{KeyID: "key_2"}), []string{"req_4", "req_3"})
	})
	run(t, "FilterAccountIDAndKeyID", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		someRecords(t, s)
		is.Equal(recordIDs(t, s, gateway.RecordFilter{AccountID: "acc_1", KeyID: "key_1"}), []string{"req_5", "req_1"})
		is.Equal(recordIDs(t, s, gateway.RecordFilter{AccountID: "acc_2", KeyID: "key_1"}), []string{}) // both must match
	})
	run(t, "Limit", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		someRecords(t, s)
		is.Equal(recordIDs(t, s, gateway.RecordFilter{Limit: 2}), []string{"req_6", "req_5"}) // the newest
		is.Equal(recordIDs(t, s, gateway.RecordFilter{AccountID: "acc_1", Limit: 3}), []string{"req_5", "req_4", "req_3"})
		is.Equal(len(recordIDs(t, s, gateway.RecordFilter{Limit: 10})), 6)
	})
	run(t, "LimitDefault", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		var rs []*gateway.RequestRecord
		for i := range 105 {
			rs = append(rs, newRecord(fmt.Sprintf("req_%03d", i), "acc_1", "key_1", at(i)))
		}
		mustInsertRecords(t, s, rs...)
		ids := recordIDs(t, s, gateway.RecordFilter{})
		is.Equal(len(ids), 100) // Limit 0 means 100
		is.Equal(ids[0], "req_104")
		is.Equal(ids[99], "req_005")
	})
	run(t, "ReturnsCopies", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustInsertRecords(t, s, newRecord("req_1", "acc_1", "key_1", at(1)))
		got, err := s.ListRecords(t.Context(), gateway.RecordFilter{})
		is.NoErr(err)
		got[0].Model, got[0].Attempts[0].Error = "changed", "changed"
		got[0].Usage.PromptTokensDetails.CachedTokens = 0
		got[0].Usage.CompletionTokensDetails.ReasoningTokens = 0
		got, err = s.ListRecords(t.Context(), gateway.RecordFilter{})
		is.NoErr(err)
		is.Equal(normRecord(got[0]), normRecord(newRecord("req_1", "acc_1", "key_1", at(1))))
	})
}
