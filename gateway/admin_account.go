package gateway

import (
	"context"
	"time"
)

// AccountUpdate changes the fields that are set; nil fields stay.
type AccountUpdate struct {
	Name             *string
	Status           *Status
	DefaultNamespace *string
	Namespaces       *[]string
	Limits           *Limits
	Prepaid          *bool
	Budget           *Budget
}

// CreateAccount adds an account. Status defaults to active and
// DefaultNamespace to "default". CodeInvalid for a bad field;
// CodeConflict if the name is taken.
func (a *Admin) CreateAccount(ctx context.Context, acct *Account) (*Account, error) {
	now := a.g.clock.Now()
	if acct.ID == "" {
		acct.ID = a.g.ids.NewID("acc_")
	}
	if acct.Status == "" {
		acct.Status = StatusActive
	}
	if acct.DefaultNamespace == "" {
		acct.DefaultNamespace = DefaultNamespace
	}
	acct.CreatedAt, acct.UpdatedAt = now, now
	if err := acct.Validate(); err != nil {
		return nil, err
	}
	if err := a.g.store.CreateAccount(ctx, acct); err != nil {
		return nil, err
	}
	a.changed(ctx)
	return acct, nil
}

// Account returns an account. CodeNotFound if there is none.
func (a *Admin) Account(ctx context.Context, id string) (*Account, error) {
	return a.g.store.GetAccount(ctx, id)
}

// Accounts returns every account.
func (a *Admin) Accounts(ctx context.Context) ([]*Account, error) {
	return a.g.store.ListAccounts(ctx)
}

// UpdateAccount changes an account. CodeNotFound if there is none;
// otherwise errors as CreateAccount.
func (a *Admin) UpdateAccount(ctx context.Context, id string, u AccountUpdate) (*Account, error) {
	now := a.g.clock.Now()
	acct, err := a.g.store.UpdateAccount(ctx, id, func(acct *Account) error {
		setIf(&acct.Name, u.Name)
		setIf(&acct.Status, u.Status)
		setIf(&acct.DefaultNamespace, u.DefaultNamespace)
		setIf(&acct.Namespaces, u.Namespaces)
		setIf(&acct.Limits, u.Limits)
		setIf(&acct.Prepaid, u.Prepaid)
		setIf(&acct.Budget, u.Budget)
		acct.UpdatedAt = now
		return acct.Validate()
	})
	if err != nil {
		return nil, err
	}
	a.changed(ctx)
	return acct, nil
}

// KeySpec is what the issuer of a key chooses.
type KeySpec struct {
	Name      string
	Models    []string
	Namespace string
	ExpiresAt time.Time
	// Limits may not exceed the account's.
	Limits Limits
	// Budget caps the key's spending.
	Budget Budget
	// Namespaces the key may choose per request, each one its account
	// may use.
	Namespaces []string
	// AllowedIPs are addresses or CIDR ranges the key may be used from.
	AllowedIPs []string
}

// IssuedByAccount is Key.IssuedBy for keys an account issued with its
// master key.
func IssuedByAccount(accountID string) string { return "account:" + accountID }

// IssuedByAdmin is Key.IssuedBy for keys an admin issued.
const IssuedByAdmin = "admin"

// IssueKey issues a client key for an account and returns it with its
// secret, which is not kept and cannot be shown again. CodeNotFound if the
// account does not exist; CodeInvalid for a bad field, a namespace the
// account may not use, limits above the account's, or an expiry in the
// past.
func (a *Admin) IssueKey(ctx context.Context, accountID string, spec KeySpec, issuedBy string) (*Key, string, error) {
	acct, err := a.g.store.GetAccount(ctx, accountID)
	if err != nil {
		return nil, "", err
	}
	now := a.g.clock.Now()
	if spec.Namespace != "" && !acct.AllowsNamespace(spec.Namespace) {
		return nil, "", Invalid("namespace", "account %s may not use namespace %q", acct.ID, spec.Namespace)
	}
	for _, ns := range spec.Namespaces {
		if !acct.AllowsNamespace(ns) {
			return nil, "", Invalid("namespaces", "account %s may not use namespace %q", acct.ID, ns)
		}
	}
	if !spec.ExpiresAt.IsZero() && !spec.ExpiresAt.After(now) {
		return nil, "", Invalid("expires_at", "expires_at must be in the future")
	}
	if err := spec.Limits.Within(acct.Limits, "limits"); err != nil {
		return nil, "", err
	}
	return a.issue(ctx, acct, spec, issuedBy, false)
}

// issue stores a new key of acct and returns it with its secret.
func (a *Admin) issue(ctx context.Context, acct *Account, spec KeySpec, issuedBy string, master bool) (*Key, string, error) {
	now := a.g.clock.Now()
	secret := NewKeySecret()
	k := &Key{
		ID:         a.g.ids.NewID("key_"),
		AccountID:  acct.ID,
		Name:       spec.Name,
		Prefix:     KeyDisplayPrefix(secret),
		Digest:     a.g.hasher.Digest(secret),
		Status:     StatusActive,
		Epoch:      acct.Epoch,
		Models:     spec.Models,
		Namespace:  spec.Namespace,
		Namespaces: spec.Namespaces,
		AllowedIPs: spec.AllowedIPs,
		Limits:     spec.Limits,
		Budget:     spec.Budget,
		Master:     master,
		IssuedBy:   issuedBy,
		ExpiresAt:  spec.ExpiresAt,
		CreatedAt:  now,
	}
	if err := k.Validate(); err != nil {
		return nil, "", err
	}
	if err := a.g.store.CreateKey(ctx, k); err != nil {
		return nil, "", err
	}
	a.changed(ctx)
	return k, secret, nil
}

// Keys returns the keys of an account, or of every account when
// accountID is empty.
func (a *Admin) Keys(ctx context.Context, accountID string) ([]*Key, error) {
	if accountID != "" {
		if _, err := a.g.store.GetAccount(ctx, accountID); err != nil {
			return nil, err
		}
	}
	return a.g.store.ListKeys(ctx, KeyFilter{AccountID: accountID})
}

// KeyUpdate changes the fields that are set; nil fields stay.
type KeyUpdate struct {
	Name       *string
	Models     *[]string
	Namespaces *[]string
	AllowedIPs *[]string
	Limits     *Limits
	Budget     *Budget
	ExpiresAt  *time.Time // the zero time removes the expiry
}

// UpdateKey changes a key of accountID (any account when empty): its
// limits, scopes or expiry apply on every instance at once. CodeNotFound
// if there is none (or it is another account's); CodeInvalid for a bad
// field, limits above the account's or namespaces it may not use.
func (a *Admin) UpdateKey(ctx context.Context, accountID, id string, u KeyUpdate) (*Key, error) {
	k, err := a.g.store.GetKey(ctx, id)
	if err != nil || (accountID != "" && (k.AccountID != accountID || k.Master)) {
		return nil, Errorf(CodeNotFound, "key %q not found", id)
	}
	acct, err := a.g.store.GetAccount(ctx, k.AccountID)
	if err != nil {
		return nil, err
	}
	k, err = a.g.store.UpdateKey(ctx, id, func(k *Key) error {
		setIf(&k.Name, u.Name)
		setIf(&k.Models, u.Models)
		setIf(&k.Namespaces, u.Namespaces)
		setIf(&k.AllowedIPs, u.AllowedIPs)
		setIf(&k.Limits, u.Limits)
		setIf(&k.Budget, u.Budget)
		setIf(&k.ExpiresAt, u.ExpiresAt)
		for _, ns := range k.Namespaces {
			if !acct.AllowsNamespace(ns) {
				return Invalid("namespaces", "account %s may not use namespace %q", acct.ID, ns)
			}
		}
		if err := k.Limits.Within(acct.Limits, "limits"); err != nil {
			return err
		}
		return k.Validate()
	})
	if err != nil {
		return nil, err
	}
	a.changed(ctx)
	return k, nil
}

// IssueMasterKey issues the account's master key, with which it manages
// its own client keys, and revokes the master key it had: there is one at
// a time. The secret is returned once. CodeNotFound if the account does
// not exist.
func (a *Admin) IssueMasterKey(ctx context.Context, accountID string) (*Key, string, error) {
	acct, err := a.g.store.GetAccount(ctx, accountID)
	if err != nil {
		return nil, "", err
	}
	keys, err := a.g.store.ListKeys(ctx, KeyFilter{AccountID: accountID})
	if err != nil {
		return nil, "", err
	}
	for _, k := range keys {
		if k.Master && k.Status == StatusActive {
			if _, err := a.RevokeKey(ctx, k.ID); err != nil {
				return nil, "", err
			}
		}
	}
	return a.issue(ctx, acct, KeySpec{Name: "master"}, IssuedByAdmin, true)
}

// RevokeAccountKeys raises the account's epoch, which revokes at once
// every client key it has, however issued; its master key stays.
// CodeNotFound if the account does not exist.
func (a *Admin) RevokeAccountKeys(ctx context.Context, accountID string) (*Account, error) {
	now := a.g.clock.Now()
	acct, err := a.g.store.UpdateAccount(ctx, accountID, func(acct *Account) error {
		acct.Epoch++
		acct.UpdatedAt = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.changed(ctx)
	return acct, nil
}

// RevokeAccountKey revokes a key of the account; a key of another
// account is CodeNotFound, as if it did not exist, so that an account
// learns nothing of others' keys.
func (a *Admin) RevokeAccountKey(ctx context.Context, accountID, id string) (*Key, error) {
	k, err := a.g.store.GetKey(ctx, id)
	if err != nil || k.AccountID != accountID || k.Master {
		return nil, Errorf(CodeNotFound, "key %q not found", id)
	}
	return a.RevokeKey(ctx, id)
}

// RevokeKey revokes a key for good; revoking a revoked key changes
// nothing. CodeNotFound if there is none.
func (a *Admin) RevokeKey(ctx context.Context, id string) (*Key, error) {
	now := a.g.clock.Now()
	k, err := a.g.store.UpdateKey(ctx, id, func(k *Key) error {
		if k.Status != StatusRevoked {
			k.Status, k.RevokedAt = StatusRevoked, now
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.changed(ctx)
	return k, nil
}
