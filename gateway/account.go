package gateway

import (
	"context"
	"time"
)

// Status is the state of an account, key, provider or credential. Only
// StatusActive entities serve requests.
type Status string

// Statuses shared by every entity that can be switched off.
const (
	StatusActive   Status = "active"
	StatusDisabled Status = "disabled"
	StatusRevoked  Status = "revoked" // keys only: final
)

// DefaultNamespace is the namespace of accounts and keys that name none.
const DefaultNamespace = "default"

// Account owns client keys. Its Epoch revokes every key it issued at once:
// a key is valid only while its own Epoch equals its account's.
type Account struct {
	ID               string
	Name             string
	Status           Status
	DefaultNamespace string
	// Namespaces the account's keys may use; empty means only
	// DefaultNamespace.
	Namespaces []string
	// Limits cap the account as a whole, every key together.
	Limits Limits
	Epoch  int64
	// Prepaid accounts pay from a credit balance: each request holds the
	// most it can cost first, and is refused (402) when the balance less
	// the open holds does not cover it. Others are metered only: their
	// costs are recorded, never checked.
	Prepaid bool
	// Budget caps what the account spends a day and a month, prepaid or
	// not.
	Budget    Budget
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate reports the first field at fault as a CodeInvalid error.
func (a *Account) Validate() error {
	if a.Name == "" {
		return Invalid("name", "name is required")
	}
	if len(a.Name) > 200 {
		return Invalid("name", "name is longer than 200 characters")
	}
	switch a.Status {
	case StatusActive, StatusDisabled:
	default:
		return Invalid("status", "status must be active or disabled")
	}
	if a.DefaultNamespace == "" {
		return Invalid("default_namespace", "default_namespace is required")
	}
	if err := a.Budget.Validate("budget"); err != nil {
		return err
	}
	return a.Limits.Validate("limits")
}

// AllowsNamespace reports whether keys of the account may use ns.
func (a *Account) AllowsNamespace(ns string) bool {
	return ns == a.DefaultNamespace || contains(a.Namespaces, ns)
}

// AccountStore keeps accounts.
type AccountStore interface {
	// CreateAccount stores a new account. CodeConflict if its ID or Name
	// is taken.
	CreateAccount(ctx context.Context, a *Account) error
	// GetAccount returns the account. CodeNotFound if there is none.
	GetAccount(ctx context.Context, id string) (*Account, error)
	// ListAccounts returns every account, oldest first.
	ListAccounts(ctx context.Context) ([]*Account, error)
	// UpdateAccount loads the account, applies fn and saves the result
	// atomically; fn's error aborts the update and is returned.
	// CodeNotFound if there is none; CodeConflict if the new Name is taken.
	UpdateAccount(ctx context.Context, id string, fn func(*Account) error) (*Account, error)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
