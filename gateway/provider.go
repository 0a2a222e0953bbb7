package gateway

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Provider is a group of upstream credentials behind one API: a provider
// type (which Driver speaks to it), a base URL, static headers, and the
// models it serves.
type Provider struct {
	ID   string
	Name string // unique; names the provider in routes and pass-through URLs
	// Type selects the Driver: "openai", "mock", ...
	Type    string
	BaseURL string
	// Headers are sent with every upstream request, after the driver's own.
	Headers map[string]string
	// Models the provider serves, as path.Match patterns ("gpt-4o*"). A
	// request for a model no binding names goes to the providers whose
	// Models match it.
	Models []string
	// Options are driver settings ("chunks" and "delay" for mock, ...).
	Options   map[string]string
	Status    Status
	CreatedAt time.Time
	UpdatedAt time.Time
}

var providerName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

// Validate reports the first field at fault as a CodeInvalid error. Which
// types exist is the Gateway's business (its Drivers), not the Provider's.
func (p *Provider) Validate() error {
	if !providerName.MatchString(p.Name) {
		return Invalid("name", "name must be 1-63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	if p.Type == "" {
		return Invalid("type", "type is required")
	}
	if p.BaseURL != "" {
		u, err := url.Parse(p.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Invalid("base_url", "base_url must be an absolute http or https URL")
		}
	}
	for _, m := range p.Models {
		if !validPattern(m) {
			return Invalid("models", "model pattern %q is not valid", m)
		}
	}
	for _, m := range strings.Split(p.Options["models_exclude"], ",") {
		if m = strings.TrimSpace(m); m != "" && !validPattern(m) {
			return Invalid("options.models_exclude", "model pattern %q is not valid", m)
		}
	}
	switch p.Status {
	case StatusActive, StatusDisabled:
	default:
		return Invalid("status", "status must be active or disabled")
	}
	return nil
}

// Serves reports whether one of the provider's model patterns matches model.
//
// Patterns are wildcards or, with the "re:" prefix, regular expressions;
// the "models_exclude" option (comma-separated patterns) takes models out
// of what the include patterns let in.
func (p *Provider) Serves(model string) bool {
	for _, pat := range p.Models {
		if matchModel(pat, model) {
			return !p.excludes(model)
		}
	}
	return false
}

// excludes reports whether the provider's models_exclude option names
// model.
func (p *Provider) excludes(model string) bool {
	for pat := range strings.SplitSeq(p.Options["models_exclude"], ",") {
		if pat = strings.TrimSpace(pat); pat != "" && matchModel(pat, model) {
			return true
		}
	}
	return false
}

// ProviderStore keeps providers.
type ProviderStore interface {
	// CreateProvider stores a new provider. CodeConflict if its ID or Name
	// is taken.
	CreateProvider(ctx context.Context, p *Provider) error
	// GetProvider returns the provider. CodeNotFound if there is none.
	GetProvider(ctx context.Context, id string) (*Provider, error)
	// ListProviders returns every provider, oldest first.
	ListProviders(ctx context.Context) ([]*Provider, error)
	// UpdateProvider loads the provider, applies fn and saves the result
	// atomically. CodeNotFound if there is none; CodeConflict if the new
	// Name is taken.
	UpdateProvider(ctx context.Context, id string, fn func(*Provider) error) (*Provider, error)
	// DeleteProvider removes the provider with its credentials and
	// bindings. CodeNotFound if there is none.
	DeleteProvider(ctx context.Context, id string) error
}
