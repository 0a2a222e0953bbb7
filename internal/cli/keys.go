package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"
)

func runAccountsCreate(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("accounts create", `usage: tollgate accounts create [--prepaid] NAME

Create an account (POST /admin/accounts) and print its id. A prepaid
account spends credits (tollgate credits grant) and is refused when they
run out.
`)
	a := f.adminFlags()
	prepaid := f.Bool("prepaid", false, "the account pays from prepaid credits")
	asJSON := f.Bool("json", false, "print the account as JSON")
	rest, err := f.parse(args)
	if err == nil {
		err = f.want(rest, 1, 1, "NAME")
	}
	if err != nil {
		return err
	}
	c, err := a.client(p)
	if err != nil {
		return err
	}
	acct, err := c.CreateAccount(ctx, rest[0], *prepaid)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(p.Stdout).Encode(acct)
	}
	fmt.Fprintf(p.Stdout, "created account %s (id %s)\n", acct.Name, acct.ID)
	return nil
}

func runAccountsList(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("accounts list", `usage: tollgate accounts list [--json]

List the accounts (GET /admin/accounts).
`)
	a := f.adminFlags()
	asJSON := f.Bool("json", false, "print JSON")
	rest, err := f.parse(args)
	if err == nil {
		err = f.want(rest, 0, 0, "no arguments")
	}
	if err != nil {
		return err
	}
	c, err := a.client(p)
	if err != nil {
		return err
	}
	as, err := c.Accounts(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(p.Stdout).Encode(as)
	}
	tw := tabwriter.NewWriter(p.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tID\tSTATUS\tPREPAID")
	for _, acct := range as {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%t\n", acct.Name, acct.ID, acct.Status, acct.Prepaid)
	}
	return tw.Flush()
}

func runKeysIssue(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("keys issue", `usage: tollgate keys issue --account ACCOUNT [flags]

Issue a client key to an account (its id or name) through the admin API
(POST /admin/accounts/{id}/keys). The key is printed once, alone on
stdout (details go to stderr), so that KEY=$(tollgate keys issue ...)
captures it; only its digest is kept.
`)
	a := f.adminFlags()
	account := f.String("account", "", "the account's id or name (required)")
	name := f.String("name", "", "a name for the key")
	var models listFlag
	f.Var(&models, "models", "models it may call, comma-separated or repeated (default all)")
	namespace := f.String("namespace", "", "the namespace its requests route in (default the account's)")
	expires := f.Duration("expires-in", 0, "lifetime, e.g. 720h (default no expiry)")
	asJSON := f.Bool("json", false, "print the key and its details as JSON")
	rest, err := f.parse(args)
	if err == nil {
		err = f.want(rest, 0, 0, "no arguments (use --account)")
	}
	if err == nil && *account == "" {
		f.printUsage(p.Stderr)
		err = usagef("--account is required")
	}
	if err != nil {
		return err
	}
	c, err := a.client(p)
	if err != nil {
		return err
	}
	acct, err := c.Account(ctx, *account)
	if err != nil {
		return err
	}
	in := KeyInput{Name: *name, Models: models, Namespace: *namespace}
	if *expires > 0 {
		t := time.Now().Add(*expires).UTC().Truncate(time.Second)
		in.ExpiresAt = &t
	}
	k, err := c.IssueKey(ctx, acct.ID, in)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(p.Stdout).Encode(k)
	}
	fmt.Fprintf(p.Stderr, "issued key %s (prefix %s) to account %s; it is shown once:\n", k.ID, k.Prefix, acct.Name)
	fmt.Fprintln(p.Stdout, k.Key)
	return nil
}

func runKeysRevoke(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("keys revoke", `usage: tollgate keys revoke KEY_ID...
       tollgate keys revoke --all --account ACCOUNT

Revoke keys by id or display prefix (DELETE /admin/keys/{id}); or, with
--all, every key an account issued at once (POST
/admin/accounts/{id}/revoke-keys). A revoked key is refused with 401 on
every instance within a second.
`)
	a := f.adminFlags()
	all := f.Bool("all", false, "revoke every key of --account")
	account := f.String("account", "", "the account's id or name, with --all")
	rest, err := f.parse(args)
	switch {
	case err != nil:
	case *all && (*account == "" || len(rest) > 0):
		f.printUsage(p.Stderr)
		err = usagef("--all takes --account and no key ids")
	case !*all:
		err = f.want(rest, 1, -1, "KEY_ID...")
	}
	if err != nil {
		return err
	}
	c, err := a.client(p)
	if err != nil {
		return err
	}
	if *all {
		acct, err := c.Account(ctx, *account)
		if err != nil {
			return err
		}
		if _, err := c.RevokeAccountKeys(ctx, acct.ID); err != nil {
			return err
		}
		fmt.Fprintf(p.Stdout, "revoked every key of account %s\n", acct.Name)
		return nil
	}
	var keys []Key // listed once, when a prefix is given
	for _, ref := range rest {
		id := ref
		if len(ref) > 3 && ref[:3] == "tg-" { // a display prefix, as lists show it
			if keys == nil {
				if keys, err = c.Keys(ctx, ""); err != nil {
					return err
				}
			}
			id = ""
			n := 0
			for _, k := range keys {
				if k.Prefix == ref {
					id, n = k.ID, n+1
				}
			}
			switch {
			case n == 0:
				return fmt.Errorf("no key has the prefix %s", ref)
			case n > 1:
				return fmt.Errorf("%d keys have the prefix %s; revoke by id (GET /admin/keys lists them)", n, ref)
			}
		}
		k, err := c.RevokeKey(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(p.Stdout, "revoked key %s (prefix %s)\n", k.ID, k.Prefix)
	}
	return nil
}
