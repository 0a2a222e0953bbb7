package gatewaytest

import (
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// variedRecords inserts records that differ in provider, model and
// outcome, two of them at the same time.
func variedRecords(t *testing.T, s gateway.Store) {
	t.Helper()
	r := func(id string, sec int, provider, model string, code gateway.Code) *gateway.RequestRecord {
		rec := newRecord(id, "acc_1", "key_1", at(sec))
		rec.ProviderID, rec.Model, rec.Code = provider, model, code
		return rec
	}
	mustInsertRecords(t, s,
		r("req_1", 1, "prv_a", "gpt-4o", ""),
		r("req_2", 2, "prv_b", "gpt-4o", gateway.CodeUpstream),
		r("req_3", 3, "prv_a", "claude", ""),
		r("req_4", 3, "prv_a", "gpt-4o", gateway.CodeRateLimited), // same time as req_3
		r("req_5", 5, "prv_b", "claude", ""),
	)
}

func testFilterRecords(t *testing.T, newStore storeFactory) {
	run(t, "ProviderModelCode", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		variedRecords(t, s)
		is.Equal(recordIDs(t, s, gateway.RecordFilter{ProviderID: "prv_a"}), []string{"req_4", "req_3", "req_1"})
		is.Equal(recordIDs(t, s, gateway.RecordFilter{Model: "claude"}), []string{"req_5", "req_3"})
		is.Equal(recordIDs(t, s, gateway.RecordFilter{Code: gateway.CodeOK}), []string{"req_5", "req_3", "req_1"})
		is.Equal(recordIDs(t, s, gateway.RecordFilter{Code: gateway.CodeUpstream}), []string{"req_2"})
		is.Equal(recordIDs(t, s, gateway.RecordFilter{ProviderID: "prv_a", Model: "gpt-4o", Code: gateway.CodeOK}), []string{"req_1"})
	})
	run(t, "ClientRequestID", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		variedRecords(t, s)
		is.Equal(recordIDs(t, s, gateway.RecordFilter{ClientRequestID: "trace-req_3"}), []string{"req_3"})
		is.Equal(len(recordIDs(t, s, gateway.RecordFilter{ClientRequestID: "trace-none"})), 0)
	})
	run(t, "TimeRange", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		variedRecords(t, s)
		is.Equal(recordIDs(t, s, gateway.RecordFilter{Since: at(2), Until: at(5)}), []string{"req_4", "req_3", "req_2"}) // since included, until not
		is.Equal(recordIDs(t, s, gateway.RecordFilter{Since: at(3).In(elsewhere)}), []string{"req_5", "req_4", "req_3"})
	})
	run(t, "CursorPagesThroughEverything", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		variedRecords(t, s)
		var seen []string
		f := gateway.RecordFilter{Limit: 2}
		for range 10 {
			page, err := s.ListRecords(t.Context(), f)
			is.NoErr(err)
			if len(page) == 0 {
				break
			}
			for _, r := range page {
				seen = append(seen, r.ID)
			}
			last := page[len(page)-1]
			f.Before = &gateway.RecordCursor{Time: last.Time, ID: last.ID}
		}
		is.Equal(seen, []string{"req_5", "req_4", "req_3", "req_2", "req_1"}) // each once, ties by ID
	})
}

func testDeleteRecordsBefore(t *testing.T, newStore storeFactory) {
	run(t, "OldestFirstInBatches", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		variedRecords(t, s)
		n, err := s.DeleteRecordsBefore(t.Context(), at(4), 2)
		is.NoErr(err)
		is.Equal(n, 2)
		is.Equal(recordIDs(t, s, gateway.RecordFilter{}), []string{"req_5", "req_4", "req_3"}) // the two oldest went
		n, err = s.DeleteRecordsBefore(t.Context(), at(4).In(elsewhere), 100)
		is.NoErr(err)
		is.Equal(n, 2)
		is.Equal(recordIDs(t, s, gateway.RecordFilter{}), []string{"req_5"}) // both at 3s, before the cut-off
		n, err = s.DeleteRecordsBefore(t.Context(), at(4), 100)
		is.NoErr(err)
		is.Equal(n, 0)
	})
}
