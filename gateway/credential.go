package gateway

import (
	"context"
	"time"
)

// Credential is one upstream secret (an API key) within a provider. Among a
// provider's active credentials, requests are spread by Weight.
//
// A credential's Status follows its health (see the package doc's
// credential lifecycle): active; degraded, after some failures in a row
// (for a backoff, used only when no healthy credential is left; then
// tried like a healthy one); disabled,
// after more consecutive failures,
// until DisabledUntil (then tried again) or for good when set by an
// admin (zero DisabledUntil); invalid, once the provider refused it as a
// credential (401, 403), until an admin acts; pending, set by an admin,
// not used until made active.
type Credential struct {
	ID         string
	ProviderID string
	Name       string
	// Secret is the API key, or an OAuth credential's access token.
	Secret Secret
	// OAuth, when set, renews Secret before it expires (see
	// TokenRefresher); nil for a plain key.
	OAuth  *OAuth
	Weight int // > 0
	Status Status
	// DisabledUntil is when a credential disabled by its failures is
	// tried again; zero for one disabled by hand.
	DisabledUntil time.Time
	// StatusReason says why the status is what it is.
	StatusReason string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// The states of a credential besides active and disabled.
const (
	StatusDegraded Status = "degraded"
	StatusInvalid  Status = "invalid"
	StatusPending  Status = "pending"
)

// CredentialEvent is one change of a credential's status, kept for the
// operator to see why.
type CredentialEvent struct {
	CredentialID string
	From, To     Status
	Reason       string
	Until        time.Time // DisabledUntil, when disabled for a time
	Time         time.Time
}

// Validate reports the first field at fault as a CodeInvalid error.
func (c *Credential) Validate() error {
	if c.ProviderID == "" {
		return Invalid("provider_id", "provider_id is required")
	}
	if c.OAuth != nil {
		if err := c.OAuth.validate(); err != nil {
			return err
		}
	} else if c.Secret == "" {
		return Invalid("secret", "secret is required")
	}
	if c.Weight < 1 || c.Weight > 1000 {
		return Invalid("weight", "weight must be between 1 and 1000")
	}
	switch c.Status {
	case StatusActive, StatusDegraded, StatusDisabled, StatusInvalid, StatusPending:
	default:
		return Invalid("status", "status must be active, degraded, disabled, invalid or pending")
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
	// AddCredentialEvent keeps a change of a credential's status.
	AddCredentialEvent(ctx context.Context, e *CredentialEvent) error
	// ListCredentialEvents returns a credential's events, newest first,
	// at most limit (100 when not positive).
	ListCredentialEvents(ctx context.Context, credentialID string, limit int) ([]*CredentialEvent, error)
}
