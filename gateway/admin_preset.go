package gateway

import (
	"context"
	"maps"
)

// Presets returns the provider presets the host configured
// (Config.Presets), in order.
func (a *Admin) Presets() []Preset { return a.g.cfg.Presets }

// Preset returns the preset called name.
func (a *Admin) Preset(name string) (Preset, bool) {
	for _, p := range a.g.cfg.Presets {
		if p.Name == name {
			return p, true
		}
	}
	return Preset{}, false
}

// FromPreset asks for a provider made from a preset.
type FromPreset struct {
	Preset string
	// Name defaults to the preset's name.
	Name string
	// BaseURL overrides the preset's (a self-hosted vLLM, a regional
	// endpoint).
	BaseURL string
	// Models override the preset's patterns.
	Models []string
	// Key becomes the provider's first credential; required unless the
	// preset's key is optional.
	Key Secret
}

// CreateProviderFromPreset creates a provider from a preset and, given a
// key, its first credential. CodeNotFound for an unknown preset;
// CodeInvalid when a required key or base URL is missing; then as
// CreateProvider and AddCredentials.
func (a *Admin) CreateProviderFromPreset(ctx context.Context, in FromPreset) (*Provider, []*Credential, error) {
	pr, ok := a.Preset(in.Preset)
	if !ok {
		return nil, nil, &Error{Code: CodeNotFound, Field: "preset", Message: "no preset is called " + quote(in.Preset)}
	}
	if in.Key == "" && !pr.KeyOptional {
		return nil, nil, Invalid("key", "preset %s needs an API key", pr.Name)
	}
	p := &Provider{Name: pr.Name, Type: pr.Type, BaseURL: pr.BaseURL, Models: pr.Models,
		Options: maps.Clone(pr.Options), Headers: maps.Clone(pr.Headers)}
	if in.Name != "" {
		p.Name = in.Name
	}
	if in.BaseURL != "" {
		p.BaseURL = in.BaseURL
	}
	if p.BaseURL == "" {
		return nil, nil, Invalid("base_url", "preset %s has no default base URL: give the server's", pr.Name)
	}
	if in.Models != nil {
		p.Models = in.Models
	}
	key := in.Key
	if key == "" && pr.KeyOptional {
		// Requests need a credential to go out on; a keyless host gets
		// one whose key it ignores (its preset sends none, or the host
		// was started without one).
		key = NoKey
	}
	return a.createWithKey(ctx, p, key)
}

// NoKey is the secret of the credential a keyless preset's provider gets.
const NoKey Secret = "no-key"

// Custom asks for a provider on any OpenAI-compatible host.
type Custom struct {
	Name    string
	BaseURL string
	Models  []string
	Headers map[string]string
	// Auth is how the key is sent: "bearer" (default), "api-key" or
	// "none"; it becomes the provider's "auth" option.
	Auth string
	Key  Secret
}

// CreateCustomProvider creates a provider of type "openai" on c.BaseURL
// and, given a key (or auth "none"), its first credential. Errors as
// CreateProvider.
func (a *Admin) CreateCustomProvider(ctx context.Context, c Custom) (*Provider, []*Credential, error) {
	if c.BaseURL == "" {
		return nil, nil, Invalid("base_url", "base_url is required")
	}
	p := &Provider{Name: c.Name, Type: "openai", BaseURL: c.BaseURL, Models: c.Models, Headers: c.Headers}
	if c.Auth != "" {
		p.Options = map[string]string{"auth": c.Auth}
	}
	key := c.Key
	if key == "" && c.Auth == "none" {
		key = NoKey // a host that takes no key still needs a credential to send requests on
	}
	return a.createWithKey(ctx, p, key)
}

// createWithKey creates p and, when key is set, a credential for it. A
// refused key leaves the provider, and says so.
func (a *Admin) createWithKey(ctx context.Context, p *Provider, key Secret) (*Provider, []*Credential, error) {
	p, err := a.CreateProvider(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	if key == "" {
		return p, nil, nil
	}
	cs, err := a.AddCredentials(ctx, p.ID, []*Credential{{Name: p.Name, Secret: key, Weight: 1}})
	if err != nil {
		return p, nil, err
	}
	return p, cs, nil
}
