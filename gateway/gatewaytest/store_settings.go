package gatewaytest

import (
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

func testSettings(t *testing.T, newStore storeFactory) {
	run(t, "ErrNotFoundAtFirst", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		_, err := s.GetSettings(t.Context())
		is.Equal(codeOf(err), gateway.CodeNotFound)
	})
	run(t, "PutReplaces", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		first := &gateway.Settings{Limits: gateway.Limits{RequestsPerSecond: 50, TokensPerDay: 9}, UpdatedAt: at(0)}
		is.NoErr(s.PutSettings(t.Context(), first))
		want := &gateway.Settings{
			Limits: gateway.Limits{RequestsPerMinute: 1000},
			Anonymous: gateway.Anonymous{Models: []string{"free-*", "gpt-4o-mini"}, Limits: gateway.Limits{RequestsPerHour: 20},
				Namespace: "public"},
			Alerts: gateway.AlertThresholds{GatewayRPS: 100, AccountRPM: 1, AccountTPM: 2, AccountRPD: 3, AccountTPD: 4,
				ErrorRatePercent: 25, ErrorWindow: 10 * time.Minute, MinRequests: 50, Spill: true, LowBalance: 1_000_000},
			Grants:    gateway.GrantCaps{PerGrant: 50_000_000, PerActorPerDay: 500_000_000},
			UpdatedAt: at(60).In(elsewhere),
		}
		is.NoErr(s.PutSettings(t.Context(), want))
		got, err := s.GetSettings(t.Context())
		is.NoErr(err)
		is.Equal(normSettings(got), normSettings(want)) // every field round-trips, the first put is gone
	})
	run(t, "ReturnsCopy", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		in := &gateway.Settings{Anonymous: gateway.Anonymous{Models: []string{"a"}, Limits: gateway.Limits{RequestsPerDay: 1}}, UpdatedAt: at(0)}
		is.NoErr(s.PutSettings(t.Context(), in))
		in.Anonymous.Models[0] = "changed"
		got, err := s.GetSettings(t.Context())
		is.NoErr(err)
		got.Anonymous.Models[0] = "changed too"
		again, err := s.GetSettings(t.Context())
		is.NoErr(err)
		is.Equal(again.Anonymous.Models, []string{"a"})
	})
}

func normSettings(st *gateway.Settings) gateway.Settings {
	c := *st
	c.Anonymous.Models = normStrings(c.Anonymous.Models)
	c.UpdatedAt = normTime(c.UpdatedAt)
	return c
}
