package gateway

import (
	"context"
	"time"
)

// Settings are the gateway-wide settings an admin changes at runtime;
// every instance applies a change within a second (a change event) like
// any other configuration. Until they are first stored, the host's
// configuration (Config.Limits, Config.Anonymous) serves.
type Settings struct {
	// Limits cap the whole gateway.
	Limits Limits
	// Anonymous configures requests without a key.
	Anonymous Anonymous
	// Alerts are the detectors' thresholds.
	Alerts AlertThresholds
	// Grants cap what admins may grant.
	Grants    GrantCaps
	UpdatedAt time.Time
}

// Validate reports the first field at fault as a CodeInvalid error.
func (s *Settings) Validate() error {
	if err := s.Limits.Validate("limits"); err != nil {
		return err
	}
	if err := s.Anonymous.Limits.Validate("anonymous.limits"); err != nil {
		return err
	}
	if err := s.Alerts.Validate(); err != nil {
		return err
	}
	if s.Grants.PerGrant < 0 || s.Grants.PerActorPerDay < 0 {
		return Invalid("grants", "grant caps must not be negative")
	}
	if s.Anonymous.Enabled() && s.Anonymous.Limits.IsZero() {
		return Invalid("anonymous.limits", "anonymous access needs limits, or anyone could use its models without bound")
	}
	return nil
}

// GrantCaps cap credit grants, in micros; zero leaves a cap off.
type GrantCaps struct {
	// PerGrant caps one grant.
	PerGrant Micros
	// PerActorPerDay caps what one actor grants over a rolling 24 hours.
	PerActorPerDay Micros
}

// SettingsStore keeps the Settings.
type SettingsStore interface {
	// GetSettings returns the stored Settings. CodeNotFound if none were
	// stored yet.
	GetSettings(ctx context.Context) (*Settings, error)
	// PutSettings stores s in place of what was stored.
	PutSettings(ctx context.Context, s *Settings) error
}

// Settings returns the settings in force: the stored ones, else the
// host's configuration.
func (a *Admin) Settings(ctx context.Context) (*Settings, error) {
	s, err := a.g.store.GetSettings(ctx)
	if IsCode(err, CodeNotFound) {
		return &Settings{Limits: a.g.cfg.Limits, Anonymous: a.g.cfg.Anonymous, Alerts: a.g.cfg.Alerts}, nil
	}
	return s, err
}

// PutSettings replaces the settings and applies them on every instance.
// CodeInvalid for a bad field.
func (a *Admin) PutSettings(ctx context.Context, s *Settings) (*Settings, error) {
	s.UpdatedAt = a.g.clock.Now()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := a.g.store.PutSettings(ctx, s); err != nil {
		return nil, err
	}
	a.changed(ctx)
	return s, nil
}
