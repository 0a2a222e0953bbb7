package cli

import (
	"context"
	"fmt"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/compose"
	"github.com/tollgate-ai/tollgate/internal/config"
)

// newAdminKey makes an admin key as the server does at first start
// (compose.ProvideAdminKey): "tg-admin-" and a random secret.
func newAdminKey() string { return "tg-admin-" + gateway.NewKeySecret()[len(gateway.KeyPrefix):] }

// adminKeyConfig parses the flags of admin-key create|rotate and returns
// the configuration and the function that digests a key under the key
// secret (made and kept in the data directory if there is none yet).
func adminKeyConfig(p *Program, name, usage string, args []string) (config.Config, func(string) string, error) {
	f := p.newFlags(name, usage)
	path := f.configFlag()
	rest, err := f.parse(args)
	if err == nil {
		err = f.want(rest, 0, 0, "no arguments")
	}
	if err != nil {
		return config.Config{}, nil, err
	}
	cfg, err := p.loadConfig(*path)
	if err != nil {
		return cfg, nil, err
	}
	h, err := compose.ProvideHasher(cfg)
	if err != nil {
		return cfg, nil, err
	}
	return cfg, h.Digest, nil
}

const adminKeyFooter = `The server reads the digest at start: running servers keep the key they
started with until they restart. While TOLLGATE_ADMIN_KEY is set, that key
is the admin key and the digest in the data directory is not used.
`

func runAdminKeyCreate(ctx context.Context, p *Program, args []string) error {
	cfg, digest, err := adminKeyConfig(p, "admin-key create", `usage: tollgate admin-key create [--config FILE]

Make the admin key, keep its digest (never the key) in the data directory
(TOLLGATE_DATA_DIR) and print the key once, as the server does at its first
start. Fails when the data directory already keeps one: use rotate.

`+adminKeyFooter, args)
	if err != nil {
		return err
	}
	if cfg.AdminKey != "" {
		return fmt.Errorf("TOLLGATE_ADMIN_KEY is set: that key is the admin key; unset it to use a key kept in the data directory")
	}
	if cfg.HasAdminKeyDigest() {
		return fmt.Errorf("%s already keeps an admin key's digest; run `tollgate admin-key rotate` to replace the key", cfg.AdminKeyDigestPath())
	}
	_, created, err := cfg.AdminKeyDigest(digest, newAdminKey)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.Stdout, "Tollgate admin key (shown once; its digest is kept in %s):\n\n    %s\n\n", cfg.AdminKeyDigestPath(), created)
	return nil
}

func runAdminKeyRotate(ctx context.Context, p *Program, args []string) error {
	cfg, digest, err := adminKeyConfig(p, "admin-key rotate", `usage: tollgate admin-key rotate [--config FILE]

Make a new admin key, keep its digest in the data directory in place of the
old one's, and print the new key once. Admin sessions made with the old
key end when servers restart with the new one.

`+adminKeyFooter, args)
	if err != nil {
		return err
	}
	key, err := cfg.ReplaceAdminKey(digest, newAdminKey)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.Stdout, "New Tollgate admin key (shown once; its digest is kept in %s):\n\n    %s\n\n", cfg.AdminKeyDigestPath(), key)
	fmt.Fprintln(p.Stdout, "Restart every server using this data directory: until then they accept the old key.")
	if cfg.AdminKey != "" {
		fmt.Fprintln(p.Stdout, "TOLLGATE_ADMIN_KEY is set, and while it is, that key is the admin key: unset it for the new key to take effect.")
	}
	return nil
}
