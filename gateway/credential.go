package gateway

import (
	"context"
	"time"
)

// Credential is one upstream secret (an API key) within a provider. Among a
// provider's active credentials, requests are spread by Weight.
type Credential struct {
	ID         string
	ProviderID string
	Name       string
	Secret     Secret
	Weight     int // > 0
	Status     Status
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Validate reports the first field at fault as a CodeInvalid error.
func (c *Credential) Validate() error {
	if c.ProviderID == "" {
		return Invalid("provider_id", "provider_id is required")
	}
	if c.Secret == "" {
		return Invalid("secret", "secret is required")
	}
	if c.Weight < 1 || c.Weight > 1000 {
		return Invalid("weight", "weight must be between 1 and 1000")
	}
	switch c.Status {
	case StatusActive, StatusDisabled:
	default:
		return Invalid("status", "status must be active or disabled")
	}
	return nil
}

// CredentialFilter selects credentials in ListCredentials. Zero fields
// match everything.
type CredentialFilter struct {
	ProviderID string
}

// CredentialStore keeps upstream credentials. Adapters that persist them
// encrypt Secret at rest.
type CredentialStore interface {
	// CreateCredentials stores new credentials all at once or none.
	// CodeConflict if an ID is taken; CodeNotFound if a provider does not
	// exist.
	CreateCredentials(ctx context.Context, cs []*Credential) error
	// ListCredentials returns the credentials that match f, oldest first.
	ListCredentials(ctx context.Context, f CredentialFilter) ([]*Credential, error)
	// UpdateCredential loads the credential, applies fn and saves the
	// result atomically. CodeNotFound if there is none.
	UpdateCredential(ctx context.Context, id string, fn func(*Credential) error) (*Credential, error)
	// DeleteCredential removes the credential. CodeNotFound if there is none.
	DeleteCredential(ctx context.Context, id string) error
}
