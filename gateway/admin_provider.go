package gateway

import (
	"context"
	"fmt"
	"time"
)

// ProviderUpdate changes the fields that are set; nil fields stay.
type ProviderUpdate struct {
	Name    *string
	BaseURL *string
	Headers *map[string]string
	Models  *[]string
	Options *map[string]string
	Status  *Status
}

// CreateProvider adds a provider. Status defaults to active. CodeInvalid
// for a bad field or a type no Driver speaks; CodeConflict if the name is
// taken.
func (a *Admin) CreateProvider(ctx context.Context, p *Provider) (*Provider, error) {
	now := a.g.clock.Now()
	if p.ID == "" {
		p.ID = a.g.ids.NewID("prv_")
	}
	if p.Status == "" {
		p.Status = StatusActive
	}
	p.CreatedAt, p.UpdatedAt = now, now
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := a.checkDriver(p); err != nil {
		return nil, err
	}
	if err := a.g.store.CreateProvider(ctx, p); err != nil {
		return nil, err
	}
	a.changed(ctx)
	return p, nil
}

// Provider returns a provider. CodeNotFound if there is none.
func (a *Admin) Provider(ctx context.Context, id string) (*Provider, error) {
	return a.g.store.GetProvider(ctx, id)
}

// Providers returns every provider.
func (a *Admin) Providers(ctx context.Context) ([]*Provider, error) {
	return a.g.store.ListProviders(ctx)
}

// UpdateProvider changes a provider. Errors as CreateProvider, and
// CodeNotFound if there is none.
func (a *Admin) UpdateProvider(ctx context.Context, id string, u ProviderUpdate) (*Provider, error) {
	now := a.g.clock.Now()
	p, err := a.g.store.UpdateProvider(ctx, id, func(p *Provider) error {
		setIf(&p.Name, u.Name)
		setIf(&p.BaseURL, u.BaseURL)
		setIf(&p.Headers, u.Headers)
		setIf(&p.Models, u.Models)
		setIf(&p.Options, u.Options)
		setIf(&p.Status, u.Status)
		p.UpdatedAt = now
		if err := p.Validate(); err != nil {
			return err
		}
		return a.checkDriver(p)
	})
	if err != nil {
		return nil, err
	}
	a.changed(ctx)
	return p, nil
}

// DeleteProvider removes a provider with its credentials and bindings.
// CodeNotFound if there is none.
func (a *Admin) DeleteProvider(ctx context.Context, id string) error {
	if err := a.g.store.DeleteProvider(ctx, id); err != nil {
		return err
	}
	a.changed(ctx)
	return nil
}

// AddCredentials adds credentials to a provider, all or none. Weight
// defaults to 1 and Status to active. CodeNotFound if the provider does
// not exist; CodeInvalid naming the credential at fault
// ("credentials[2].secret").
func (a *Admin) AddCredentials(ctx context.Context, providerID string, cs []*Credential) ([]*Credential, error) {
	if len(cs) == 0 {
		return nil, Invalid("credentials", "at least one credential is required")
	}
	if _, err := a.g.store.GetProvider(ctx, providerID); err != nil {
		return nil, err
	}
	now := a.g.clock.Now()
	for i, c := range cs {
		c.ProviderID = providerID
		if c.ID == "" {
			c.ID = a.g.ids.NewID("crd_")
		}
		if c.Weight == 0 {
			c.Weight = 1
		}
		if c.Status == "" {
			c.Status = StatusActive
		}
		c.CreatedAt, c.UpdatedAt = now, now
		if err := c.Validate(); err != nil {
			e := AsError(err)
			e.Field = fmt.Sprintf("credentials[%d].%s", i, e.Field)
			return nil, e
		}
	}
	if err := a.g.store.CreateCredentials(ctx, cs); err != nil {
		return nil, err
	}
	a.changed(ctx)
	for _, c := range cs {
		if c.OAuth != nil && a.g.cfg.Refresher != nil {
			// Their first tokens now, not at the next refresh pass, so
			// that they serve as soon as this returns; a token server
			// that fails is counted against the credential as at any
			// pass, and the next pass tries again.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			a.g.RefreshTokens(ctx)
			cancel()
			break
		}
	}
	return cs, nil
}

// Credentials returns a provider's credentials. CodeNotFound if the
// provider does not exist.
func (a *Admin) Credentials(ctx context.Context, providerID string) ([]*Credential, error) {
	if _, err := a.g.store.GetProvider(ctx, providerID); err != nil {
		return nil, err
	}
	return a.g.store.ListCredentials(ctx, CredentialFilter{ProviderID: providerID})
}

// CredentialUpdate changes the fields that are set; nil fields stay.
type CredentialUpdate struct {
	Name   *string
	Weight *int
	Status *Status
}

// UpdateCredential changes a credential. CodeNotFound if there is none.
func (a *Admin) UpdateCredential(ctx context.Context, id string, u CredentialUpdate) (*Credential, error) {
	now := a.g.clock.Now()
	c, err := a.g.store.UpdateCredential(ctx, id, func(c *Credential) error {
		setIf(&c.Name, u.Name)
		setIf(&c.Weight, u.Weight)
		setIf(&c.Status, u.Status)
		c.UpdatedAt = now
		return c.Validate()
	})
	if err != nil {
		return nil, err
	}
	a.changed(ctx)
	return c, nil
}

// DeleteCredential removes a credential. CodeNotFound if there is none.
func (a *Admin) DeleteCredential(ctx context.Context, id string) error {
	if err := a.g.store.DeleteCredential(ctx, id); err != nil {
		return err
	}
	a.changed(ctx)
	return nil
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// CredentialEvents returns a credential's status changes, newest first.
func (a *Admin) CredentialEvents(ctx context.Context, id string) ([]*CredentialEvent, error) {
	return a.g.store.ListCredentialEvents(ctx, id, 100)
}

// SetCredentialStatus moves a credential to a status by hand (enable,
// degrade, disable, invalidate, or pending), with the reason kept in its events;
// a credential disabled by hand stays so until an admin enables it.
// CodeInvalid for an unknown status; CodeNotFound if there is none.
func (a *Admin) SetCredentialStatus(ctx context.Context, id string, to Status, reason string) (*Credential, error) {
	switch to {
	case StatusActive, StatusDegraded, StatusDisabled, StatusInvalid, StatusPending:
	default:
		return nil, Invalid("status", "status must be active, degraded, disabled, invalid or pending")
	}
	if reason == "" {
		reason = "set by an admin"
	}
	if err := a.g.setCredentialStatus(ctx, id, to, time.Time{}, reason); err != nil {
		return nil, err
	}
	if to == StatusActive {
		_ = a.g.cache.Delete(ctx, disablesKey(id)) // a fresh start: the next backoff is the first
		_ = a.g.cache.Delete(ctx, failuresKey(id))
	}
	cs, err := a.g.store.ListCredentials(ctx, CredentialFilter{})
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.ID == id {
			return c, nil
		}
	}
	return nil, Errorf(CodeNotFound, "credential %q not found", id)
}

// CredentialStates counts the credentials of each provider by status,
// keyed by provider name, then status.
func (a *Admin) CredentialStates(ctx context.Context) (map[string]map[Status]int, error) {
	ps, err := a.g.store.ListProviders(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(ps))
	for _, p := range ps {
		names[p.ID] = p.Name
	}
	cs, err := a.g.store.ListCredentials(ctx, CredentialFilter{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[Status]int)
	for _, c := range cs {
		name := names[c.ProviderID]
		if out[name] == nil {
			out[name] = make(map[Status]int)
		}
		out[name][c.Status]++
	}
	return out, nil
}

// PinCredential makes a credential the one its provider uses while it
// can (the others stand by for failover), through the provider's
// pinned_credential option. CodeNotFound if there is no such credential.
func (a *Admin) PinCredential(ctx context.Context, id string) (*Provider, error) {
	cs, err := a.g.store.ListCredentials(ctx, CredentialFilter{})
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.ID == id {
			return a.setProviderOption(ctx, c.ProviderID, "pinned_credential", id)
		}
	}
	return nil, Errorf(CodeNotFound, "credential %q not found", id)
}

// UnpinProvider lets a provider spread its requests by weight again.
func (a *Admin) UnpinProvider(ctx context.Context, providerID string) (*Provider, error) {
	return a.setProviderOption(ctx, providerID, "pinned_credential", "")
}

// setProviderOption sets (or, with value "", removes) one option.
func (a *Admin) setProviderOption(ctx context.Context, providerID, key, value string) (*Provider, error) {
	p, err := a.g.store.GetProvider(ctx, providerID)
	if err != nil {
		return nil, err
	}
	opts := make(map[string]string, len(p.Options)+1)
	for k, v := range p.Options {
		opts[k] = v
	}
	if value == "" {
		delete(opts, key)
	} else {
		opts[key] = value
	}
	return a.UpdateProvider(ctx, providerID, ProviderUpdate{Options: &opts})
}
