package gatewaytest

import (
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

func testPolicies(t *testing.T, newStore storeFactory) {
	run(t, "PutListDelete", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		p := &gateway.RetryPolicy{ID: "pol_1", Name: "strict", Priority: 2, CreatedAt: at(0), UpdatedAt: at(1), Rules: []gateway.RetryRule{
			{Statuses: []int{429, 503}, Types: []string{"rate_limit_error"}, Contains: "quota", Regexp: "^x", Action: gateway.ActionRetry,
				MaxRetries: 2, Backoff: time.Second},
			{Statuses: []int{400}, Action: gateway.ActionFail, DisableFor: time.Minute},
		}}
		is.NoErr(s.PutPolicy(t.Context(), p))
		got, err := s.ListPolicies(t.Context())
		is.NoErr(err)
		is.Equal(len(got), 1)
		g := *got[0]
		g.CreatedAt, g.UpdatedAt = normTime(g.CreatedAt), normTime(g.UpdatedAt)
		want := *p
		want.CreatedAt, want.UpdatedAt = normTime(want.CreatedAt), normTime(want.UpdatedAt)
		is.Equal(g, want) // every field round-trips

		p.Priority = 9
		is.NoErr(s.PutPolicy(t.Context(), p)) // replaced, by name
		got, _ = s.ListPolicies(t.Context())
		is.Equal(len(got), 1)
		is.Equal(got[0].Priority, 9)
		is.NoErr(s.DeletePolicy(t.Context(), "strict"))
		is.Equal(gateway.ErrorCode(s.DeletePolicy(t.Context(), "strict")), gateway.CodeNotFound)
	})
}
