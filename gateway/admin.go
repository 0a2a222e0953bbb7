package gateway

import (
	"context"
	"io"
)

// Admin changes the configuration a Gateway serves: providers and their
// credentials, accounts and their keys, models and bindings. Every method
// validates its input (CodeInvalid naming the field), writes through the
// Store, and then reloads the Gateway's Snapshot and announces the change
// to the other instances, so a key issued here works at once everywhere.
// It is safe for concurrent use.
type Admin struct {
	g *Gateway
}

// NewAdmin returns the Admin of g.
func NewAdmin(g *Gateway) *Admin { return &Admin{g: g} }

// changed propagates a successful write. The write stands even when the
// reload fails: the periodic reload catches up, so the failure is only
// logged.
func (a *Admin) changed(ctx context.Context) {
	if err := a.g.Changed(ctx); err != nil {
		a.g.cfg.Logger.Error("propagate configuration change", "err", err)
	}
}

// checkDriver makes sure a Driver can open p, so that a provider it could
// not serve is refused at the door rather than skipped at every reload.
func (a *Admin) checkDriver(p *Provider) error {
	up, err := a.g.open(p)
	if err != nil {
		return err
	}
	if c, ok := up.(io.Closer); ok {
		_ = c.Close()
	}
	return nil
}

// Records returns request records, newest first.
func (a *Admin) Records(ctx context.Context, f RecordFilter) ([]*RequestRecord, error) {
	return a.g.store.ListRecords(ctx, f)
}

// KeyDigest returns the digest under which a client key is stored; hosts
// use it to compare an admin key without keeping it.
func (a *Admin) KeyDigest(key string) string { return a.g.hasher.Digest(key) }
