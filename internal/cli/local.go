package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/tollgate-ai/tollgate/adapters/sqlstore"
	"github.com/tollgate-ai/tollgate/internal/config"
)

// The commands that run the server or work on its database directly,
// with the server's configuration: no running server is needed.

func runServe(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("serve", `usage: tollgate serve [--config FILE]

Serve the gateway on TOLLGATE_ADDR (default :8080) until SIGINT or SIGTERM,
then shut down gracefully. Configuration: TOLLGATE_* environment variables
over the YAML file over defaults. With nothing set it runs on SQLite in
./data with the in-process cache, and prints an admin key at first start.
`)
	path := f.configFlag()
	rest, err := f.parse(args)
	if err == nil {
		err = f.want(rest, 0, 0, "no arguments")
	}
	if err != nil {
		return err
	}
	cfg, err := p.loadConfig(*path)
	if err != nil {
		return err
	}
	return p.Serve(ctx, cfg)
}

// openStore loads the configuration and opens the Store; a database that
// cannot be opened exits 3.
func (p *Program) openStore(path string) (*sqlstore.Store, config.Config, func(), error) {
	cfg, err := p.loadConfig(path)
	if err != nil {
		return nil, cfg, nil, err
	}
	store, cleanup, err := p.OpenStore(cfg, cfg.NewLogger(p.Stderr)) // opening migrates
	if err != nil {
		return nil, cfg, nil, &unreachableError{fmt.Errorf("open the database: %w", err)}
	}
	return store, cfg, cleanup, nil
}

func runMigrate(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("migrate", `usage: tollgate migrate [--config FILE]

Bring the database schema up to date, then exit. The server migrates at
start too; run this to migrate ahead of a deployment.
`)
	path := f.configFlag()
	rest, err := f.parse(args)
	if err == nil {
		err = f.want(rest, 0, 0, "no arguments")
	}
	if err != nil {
		return err
	}
	_, _, cleanup, err := p.openStore(*path)
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Fprintln(p.Stdout, "migrate: the database schema is up to date")
	return nil
}

func runCheckLedger(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("check-ledger", `usage: tollgate check-ledger [--config FILE]

Recompute every account's balance from its ledger entries and report the
accounts whose kept balance differs (drift). Exits 1 when there is any.
`)
	path := f.configFlag()
	rest, err := f.parse(args)
	if err == nil {
		err = f.want(rest, 0, 0, "no arguments")
	}
	if err != nil {
		return err
	}
	store, _, cleanup, err := p.openStore(*path)
	if err != nil {
		return err
	}
	defer cleanup()
	drift, err := store.CheckLedger(ctx)
	if err != nil {
		return err
	}
	for _, d := range drift {
		fmt.Fprintf(p.Stdout, "check-ledger: account %s keeps a balance of %s, its entries sum to %s\n", d.AccountID, d.Balance, d.Sum)
	}
	if len(drift) > 0 {
		return fmt.Errorf("%d accounts drift", len(drift))
	}
	fmt.Fprintln(p.Stdout, "check-ledger: every balance is the sum of its entries")
	return nil
}

func runRotateEncryptionKey(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("rotate-encryption-key", `usage: tollgate rotate-encryption-key [--config FILE]
       (also: tollgate reencrypt)

Seal every upstream secret under the key in TOLLGATE_NEW_ENCRYPTION_KEY (64
hex characters or base64 of 32 bytes), from plaintext or from
TOLLGATE_ENCRYPTION_KEY, in one transaction. Stop the servers first. When
the key is the one kept in the data directory, the new key replaces it
there; otherwise start the servers with TOLLGATE_ENCRYPTION_KEY set to it.
`)
	path := f.configFlag()
	rest, err := f.parse(args)
	if err == nil {
		err = f.want(rest, 0, 0, "no arguments")
	}
	if err != nil {
		return err
	}
	raw := p.Getenv("TOLLGATE_NEW_ENCRYPTION_KEY")
	if raw == "" {
		return usagef("set TOLLGATE_NEW_ENCRYPTION_KEY to the key to seal secrets under")
	}
	newKey, err := sqlstore.ParseEncryptionKey(raw)
	if err != nil {
		return usagef("TOLLGATE_NEW_ENCRYPTION_KEY: %v", err)
	}
	store, cfg, cleanup, err := p.openStore(*path)
	if err != nil {
		return err
	}
	defer cleanup()
	bar := newProgress(p.Stderr, p.terminal(), "rotate-encryption-key", "credentials")
	err = store.Reencrypt(ctx, newKey, bar.update)
	bar.done()
	if err != nil {
		return err
	}
	if cfg.ManagesEncryptionKey() {
		if err := cfg.SaveEncryptionKey(raw); err != nil {
			return errors.New("the secrets are sealed under the new key, but it could not be saved in the data directory; start with TOLLGATE_ENCRYPTION_KEY set to it: " + err.Error())
		}
		fmt.Fprintln(p.Stdout, "rotate-encryption-key: done; the new key replaces the one in the data directory")
		return nil
	}
	fmt.Fprintln(p.Stdout, "rotate-encryption-key: done; start Tollgate with TOLLGATE_ENCRYPTION_KEY set to the new key")
	return nil
}
