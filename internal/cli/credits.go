package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

func runCreditsGrant(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("credits grant", `usage: tollgate credits grant --account ACCOUNT [flags] AMOUNT

Add AMOUNT credits (1 credit = 1 USD = 1,000,000 micros; up to six
decimals, e.g. 12.5) to an account, its id or name, through the admin API
(POST /admin/accounts/{id}/credits), and print its balance after (GET
/admin/accounts/{id}/balance). The server refuses grants over its caps
(settings: grants.per_grant, grants.per_admin_per_day).
`)
	a := f.adminFlags()
	account := f.String("account", "", "the account's id or name (required)")
	kind := f.String("kind", "grant", "the ledger entry's kind: grant, purchase or adjustment")
	reason := f.String("reason", "", "why, kept in the ledger (the server asks for at least 10 characters)")
	asJSON := f.Bool("json", false, "print the ledger entry and balance as JSON")
	rest, err := f.parse(args)
	if err == nil {
		err = f.want(rest, 1, 1, "AMOUNT")
	}
	if err == nil && *account == "" {
		f.printUsage(p.Stderr)
		err = usagef("--account is required")
	}
	if err != nil {
		return err
	}
	micros, err := parseCredits(rest[0])
	if err != nil {
		return usagef("AMOUNT: %v", err)
	}
	c, err := a.client(p)
	if err != nil {
		return err
	}
	acct, err := c.Account(ctx, *account)
	if err != nil {
		return err
	}
	e, err := c.Credit(ctx, acct.ID, *kind, micros, *reason)
	if err != nil {
		return err
	}
	b, err := c.Balance(ctx, acct.ID)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(p.Stdout).Encode(map[string]any{"entry": e, "balance": b})
	}
	fmt.Fprintf(p.Stdout, "%s of %s credits to account %s (entry %s); balance %s, available %s\n",
		e.Kind, gateway.Micros(e.Amount), acct.Name, e.ID, gateway.Micros(b.Balance), gateway.Micros(b.Available))
	return nil
}

// parseCredits reads a decimal amount of credits into micros, exactly:
// "12.5" is 12,500,000. More than six decimals is an error, not rounded.
func parseCredits(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if whole == "" && frac == "" || len(frac) > 6 {
		return 0, fmt.Errorf("%q is not an amount of credits with at most six decimals, such as 12.5", s)
	}
	if whole == "" {
		whole = "0"
	}
	w, err := strconv.ParseUint(whole, 10, 63)
	if err != nil || w > 9_000_000_000_000 {
		return 0, fmt.Errorf("%q is not an amount of credits, such as 12.5", s)
	}
	var fr uint64
	if frac != "" {
		if fr, err = strconv.ParseUint(frac+strings.Repeat("0", 6-len(frac)), 10, 63); err != nil {
			return 0, fmt.Errorf("%q is not an amount of credits, such as 12.5", s)
		}
	}
	m := int64(w*1_000_000 + fr)
	if neg {
		m = -m
	}
	return m, nil
}
