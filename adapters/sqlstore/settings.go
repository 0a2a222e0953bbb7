package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/tollgate-ai/tollgate/gateway"
)

// settingsRow is the one row of the settings table.
type settingsRow struct {
	bun.BaseModel `bun:"table:settings"`

	ID                 string      `bun:"id,pk"`
	Limits             *limitsJSON `bun:"limits"`           // JSON
	AnonymousModels    []string    `bun:"anonymous_models"` // JSON
	AnonymousLimits    *limitsJSON `bun:"anonymous_limits"` // JSON
	AnonymousNamespace string      `bun:"anonymous_namespace"`
	AlertThresholds    *thresholds `bun:"alert_thresholds"` // JSON
	GrantCaps          *grantCaps  `bun:"grant_caps"`       // JSON
	UpdatedAt          time.Time   `bun:"updated_at,nullzero"`
}

// grantCaps is gateway.GrantCaps as stored, in micros.
type grantCaps struct {
	PerGrant       int64 `json:"per_grant,omitempty"`
	PerActorPerDay int64 `json:"per_actor_per_day,omitempty"`
}

// thresholds is gateway.AlertThresholds as stored.
type thresholds struct {
	GatewayRPS       int64         `json:"gateway_rps,omitempty"`
	AccountRPM       int64         `json:"account_rpm,omitempty"`
	AccountTPM       int64         `json:"account_tpm,omitempty"`
	AccountRPD       int64         `json:"account_rpd,omitempty"`
	AccountTPD       int64         `json:"account_tpd,omitempty"`
	ErrorRatePercent int64         `json:"error_rate_percent,omitempty"`
	ErrorWindow      time.Duration `json:"error_window_ns,omitempty"`
	MinRequests      int64         `json:"min_requests,omitempty"`
	Spill            bool          `json:"spill,omitempty"`
	LowBalance       int64         `json:"low_balance,omitempty"`
}

func (t *thresholds) alerts() gateway.AlertThresholds {
	if t == nil {
		return gateway.AlertThresholds{}
	}
	return gateway.AlertThresholds{GatewayRPS: t.GatewayRPS, AccountRPM: t.AccountRPM, AccountTPM: t.AccountTPM, AccountRPD: t.AccountRPD,
		AccountTPD: t.AccountTPD, ErrorRatePercent: t.ErrorRatePercent, ErrorWindow: t.ErrorWindow, MinRequests: t.MinRequests,
		Spill: t.Spill, LowBalance: gateway.Micros(t.LowBalance)}
}

// settingsID names the row: there is one set of settings.
const settingsID = "gateway"

// GetSettings returns the stored Settings. CodeNotFound if none were
// stored.
func (s *Store) GetSettings(ctx context.Context) (*gateway.Settings, error) {
	var r settingsRow
	err := s.db.NewSelect().Model(&r).Where("id = ?", settingsID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gateway.Errorf(gateway.CodeNotFound, "no settings stored")
	}
	if err != nil {
		return nil, gateway.Internal(err)
	}
	return &gateway.Settings{
		Limits: r.Limits.limits(),
		Anonymous: gateway.Anonymous{
			Models: slices.Clone(r.AnonymousModels), Limits: r.AnonymousLimits.limits(), Namespace: r.AnonymousNamespace,
		},
		Alerts:    r.AlertThresholds.alerts(),
		Grants:    r.GrantCaps.caps(),
		UpdatedAt: dbTime(r.UpdatedAt),
	}, nil
}

// PutSettings stores st in place of what was stored.
func (s *Store) PutSettings(ctx context.Context, st *gateway.Settings) error {
	r := &settingsRow{
		ID:                 settingsID,
		Limits:             limitsRow(st.Limits),
		AnonymousModels:    slices.Clone(st.Anonymous.Models),
		AnonymousLimits:    limitsRow(st.Anonymous.Limits),
		AnonymousNamespace: st.Anonymous.Namespace,
		AlertThresholds:    thresholdsRow(st.Alerts),
		GrantCaps:          &grantCaps{PerGrant: int64(st.Grants.PerGrant), PerActorPerDay: int64(st.Grants.PerActorPerDay)},
		UpdatedAt:          dbTime(st.UpdatedAt),
	}
	_, err := s.db.NewInsert().Model(r).
		On("CONFLICT (id) DO UPDATE").
		Set("limits = EXCLUDED.limits").
		Set("anonymous_models = EXCLUDED.anonymous_models").
		Set("anonymous_limits = EXCLUDED.anonymous_limits").
		Set("anonymous_namespace = EXCLUDED.anonymous_namespace").
		Set("alert_thresholds = EXCLUDED.alert_thresholds").
		Set("grant_caps = EXCLUDED.grant_caps").
		Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return gateway.Internal(err)
	}
	return nil
}

func (g *grantCaps) caps() gateway.GrantCaps {
	if g == nil {
		return gateway.GrantCaps{}
	}
	return gateway.GrantCaps{PerGrant: gateway.Micros(g.PerGrant), PerActorPerDay: gateway.Micros(g.PerActorPerDay)}
}

func thresholdsRow(a gateway.AlertThresholds) *thresholds {
	return &thresholds{GatewayRPS: a.GatewayRPS, AccountRPM: a.AccountRPM, AccountTPM: a.AccountTPM, AccountRPD: a.AccountRPD,
		AccountTPD: a.AccountTPD, ErrorRatePercent: a.ErrorRatePercent, ErrorWindow: a.ErrorWindow, MinRequests: a.MinRequests,
		Spill: a.Spill, LowBalance: int64(a.LowBalance)}
}
