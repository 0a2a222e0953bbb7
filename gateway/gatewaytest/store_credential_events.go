package gatewaytest

import (
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

func testCredentialEvents(t *testing.T, newStore storeFactory) {
	run(t, "AddAndList", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		events := []*gateway.CredentialEvent{
			{CredentialID: "crd_a", From: gateway.StatusActive, To: gateway.StatusDisabled, Reason: "3 failures in a row", Until: at(60), Time: at(0)},
			{CredentialID: "crd_b", From: gateway.StatusActive, To: gateway.StatusInvalid, Reason: "status 401", Time: at(1)},
			{CredentialID: "crd_a", From: gateway.StatusDisabled, To: gateway.StatusActive, Reason: "recovered", Time: at(2)},
		}
		for _, e := range events {
			is.NoErr(s.AddCredentialEvent(t.Context(), e))
		}
		got, err := s.ListCredentialEvents(t.Context(), "crd_a", 0)
		is.NoErr(err)
		is.Equal(len(got), 2)
		is.Equal(got[0].Reason, "recovered") // newest first
		first := *got[1]
		first.Time, first.Until = normTime(first.Time), normTime(first.Until)
		want := *events[0]
		want.Time, want.Until = normTime(want.Time), normTime(want.Until)
		is.Equal(first, want) // every field round-trips
		got, err = s.ListCredentialEvents(t.Context(), "crd_a", 1)
		is.NoErr(err)
		is.Equal(len(got), 1)
	})
}
