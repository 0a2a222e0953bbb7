package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/tollgate-ai/tollgate/gateway"
)

// credentialRow is a row of the credentials table. Secret holds the
// secret as crypt.go seals it, never in the clear without the "plain:"
// mark.
type credentialRow struct {
	bun.BaseModel `bun:"table:credentials"`

	ID         string `bun:"id,pk"`
	ProviderID string `bun:"provider_id"`
	Name       string `bun:"name"`
	Secret     string `bun:"secret"`
	// OAuth holds an OAuth credential's refresh details as sealed JSON
	// (see oauth.go); empty for a plain key.
	OAuth  string `bun:"oauth"`
	Weight int    `bun:"weight"`
	Status string `bun:"status"`
	// DisabledUntil and StatusReason follow the credential's health.
	DisabledUntil time.Time `bun:"disabled_until,nullzero"`
	StatusReason  string    `bun:"status_reason"`
	CreatedAt     time.Time `bun:"created_at,nullzero"`
	UpdatedAt     time.Time `bun:"updated_at,nullzero"`
}

// newCredentialRow returns c as stored, its secret sealed by key.
func newCredentialRow(c *gateway.Credential, key *sealer) *credentialRow {
	return &credentialRow{
		ID:            c.ID,
		ProviderID:    c.ProviderID,
		Name:          c.Name,
		Secret:        key.seal(c.ID, c.Secret),
		OAuth:         sealOAuth(key, c.ID, c.OAuth),
		Weight:        c.Weight,
		Status:        string(c.Status),
		DisabledUntil: dbTime(c.DisabledUntil),
		StatusReason:  c.StatusReason,
		CreatedAt:     dbTime(c.CreatedAt),
		UpdatedAt:     dbTime(c.UpdatedAt),
	}
}

// credential returns the credential of the row, its secret opened by key.
func (r *credentialRow) credential(key *sealer) (*gateway.Credential, error) {
	secret, err := key.open(r.ID, r.Secret)
	if err != nil {
		return nil, err
	}
	oauth, err := openOAuth(key, r.ID, r.OAuth)
	if err != nil {
		return nil, err
	}
	return &gateway.Credential{
		OAuth:         oauth,
		ID:            r.ID,
		ProviderID:    r.ProviderID,
		Name:          r.Name,
		Secret:        secret,
		Weight:        r.Weight,
		Status:        gateway.Status(r.Status),
		DisabledUntil: dbTime(r.DisabledUntil),
		StatusReason:  r.StatusReason,
		CreatedAt:     dbTime(r.CreatedAt),
		UpdatedAt:     dbTime(r.UpdatedAt),
	}, nil
}

// CreateCredentials stores cs in one transaction, all or none, their
// secrets sealed. CodeConflict if an ID is taken, by a stored
// credential or an earlier one in cs; CodeNotFound if a provider does
// not exist. The first credential at fault decides.
func (s *Store) CreateCredentials(ctx context.Context, cs []*gateway.Credential) error {
	if len(cs) == 0 {
		return nil
	}
	s.keyMu.RLock()
	defer s.keyMu.RUnlock()
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// One at a time, so that an error names its credential.
		for _, c := range cs {
			_, err := tx.NewInsert().Model(newCredentialRow(c, s.key)).Exec(ctx)
			switch violationOf(err) {
			case uniqueViolation:
				return gateway.Errorf(gateway.CodeConflict, "credential %q already exists", c.ID)
			case foreignKeyViolation:
				return notFound("provider", c.ProviderID)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && !errors.As(err, new(*gateway.Error)) {
		return internal("create credentials", err)
	}
	return err
}

// ListCredentials returns the credentials that match f, oldest first (by
// CreatedAt, then ID), their secrets opened. A secret that cannot be
// opened (a wrong key) fails the call with CodeInternal.
func (s *Store) ListCredentials(ctx context.Context, f gateway.CredentialFilter) ([]*gateway.Credential, error) {
	s.keyMu.RLock()
	defer s.keyMu.RUnlock()
	var rows []credentialRow
	q := s.db.NewSelect().Model(&rows).OrderExpr(s.oldestFirst())
	if f.ProviderID != "" {
		q = q.Where("provider_id = ?", f.ProviderID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, internal("list credentials", err)
	}
	out := make([]*gateway.Credential, len(rows))
	for i := range rows {
		c, err := rows[i].credential(s.key)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// UpdateCredential applies fn to the stored credential and saves the
// result, in one transaction that holds the credential's row. fn's error
// aborts the update and is returned as is. CodeNotFound if there is no
// credential (fn is not called) or if fn moved it to a provider that
// does not exist.
func (s *Store) UpdateCredential(ctx context.Context, id string, fn func(*gateway.Credential) error) (*gateway.Credential, error) {
	s.keyMu.RLock()
	defer s.keyMu.RUnlock()
	var row credentialRow
	var out *gateway.Credential
	var fnErr error
	err := update(ctx, s, &row, id, func() error {
		c, err := row.credential(s.key)
		if err != nil {
			return err
		}
		if fnErr = fn(c); fnErr != nil {
			return fnErr
		}
		c.ID = id
		row = *newCredentialRow(c, s.key)
		out, err = row.credential(s.key)
		return err
	})
	switch {
	case err == nil:
		return out, nil
	case fnErr != nil:
		return nil, fnErr
	case errors.As(err, new(*gateway.Error)):
		return nil, err // the secret could not be opened
	case errors.Is(err, sql.ErrNoRows):
		return nil, notFound("credential", id)
	case violationOf(err) == foreignKeyViolation:
		return nil, notFound("provider", out.ProviderID)
	}
	return nil, internal("update credential", err)
}

// DeleteCredential removes the credential. CodeNotFound if there is none.
func (s *Store) DeleteCredential(ctx context.Context, id string) error {
	ok, err := s.deleteByID(ctx, (*credentialRow)(nil), "id", id)
	if err != nil {
		return internal("delete credential", err)
	}
	if !ok {
		return notFound("credential", id)
	}
	return nil
}

// credentialEventRow is a row of credential_events.
type credentialEventRow struct {
	bun.BaseModel `bun:"table:credential_events"`

	ID           int64     `bun:"id,pk,autoincrement"`
	CredentialID string    `bun:"credential_id"`
	FromStatus   string    `bun:"from_status"`
	ToStatus     string    `bun:"to_status"`
	Reason       string    `bun:"reason"`
	Until        time.Time `bun:"until_time,nullzero"`
	Time         time.Time `bun:"time,nullzero"`
}

// AddCredentialEvent keeps a change of a credential's status.
func (s *Store) AddCredentialEvent(ctx context.Context, e *gateway.CredentialEvent) error {
	row := &credentialEventRow{CredentialID: e.CredentialID, FromStatus: string(e.From), ToStatus: string(e.To), Reason: e.Reason,
		Until: dbTime(e.Until), Time: dbTime(e.Time)}
	if _, err := s.db.NewInsert().Model(row).Exec(ctx); err != nil {
		return internal("add credential event", err)
	}
	return nil
}

// ListCredentialEvents returns a credential's events, newest first.
func (s *Store) ListCredentialEvents(ctx context.Context, credentialID string, limit int) ([]*gateway.CredentialEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	var rows []credentialEventRow
	err := s.db.NewSelect().Model(&rows).Where("credential_id = ?", credentialID).OrderExpr("id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, internal("list credential events", err)
	}
	out := make([]*gateway.CredentialEvent, len(rows))
	for i, r := range rows {
		out[i] = &gateway.CredentialEvent{CredentialID: r.CredentialID, From: gateway.Status(r.FromStatus), To: gateway.Status(r.ToStatus),
			Reason: r.Reason, Until: dbTime(r.Until), Time: dbTime(r.Time)}
	}
	return out, nil
}
