package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

func runValidate(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("validate", `usage: tollgate validate [flags] PROVIDER

Check a provider's credentials (its id or name) against its API, each with
a models listing, through the admin API (POST
/admin/validation/providers/{id}): a credential that fails authentication
becomes invalid, one that works again becomes active. Progress goes to
stderr, the results and the summary to stdout. Exits 1 when any checked
credential is invalid.
`)
	a := f.adminFlags()
	var states listFlag
	f.Var(&states, "states", "only credentials in these states, comma-separated (default active,disabled,invalid)")
	skip := f.Duration("skip-within", 0, "skip credentials validated this recently, e.g. 1h")
	concurrency := f.Int("concurrency", 0, "checks at once (default the server's, 4)")
	batch := f.Int("batch", 0, "credentials per progress step (default the server's, 50)")
	quiet := f.Bool("quiet", false, "no progress on stderr, and only invalid credentials listed")
	asJSON := f.Bool("json", false, "print the run as JSON")
	rest, err := f.parse(args)
	if err == nil {
		err = f.want(rest, 1, 1, "PROVIDER")
	}
	if err != nil {
		return err
	}
	c, err := a.client(p)
	if err != nil {
		return err
	}
	var bar *progress
	if !*quiet {
		bar = newProgress(p.Stderr, p.terminal(), "validate "+rest[0], "credentials")
	}
	run, err := c.Validate(ctx, rest[0], ValidateOptions{States: states, SkipWithin: int64(*skip / time.Second),
		Concurrency: *concurrency, BatchSize: *batch}, bar.update)
	bar.done()
	if err != nil {
		return err
	}
	invalid := 0
	for _, r := range run.Results {
		if !r.OK {
			invalid++
		}
	}
	if *asJSON {
		enc := json.NewEncoder(p.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(run); err != nil {
			return err
		}
	} else {
		for _, r := range run.Results {
			switch {
			case !r.OK:
				fmt.Fprintf(p.Stdout, "invalid  %s  %s  %s\n", r.CredentialID, r.Name, r.Error)
			case !*quiet:
				fmt.Fprintf(p.Stdout, "valid    %s  %s\n", r.CredentialID, r.Name)
			}
		}
		fmt.Fprintf(p.Stdout, "validate %s: %d checked, %d valid, %d invalid, %d skipped\n", rest[0], run.Checked, run.Valid, invalid, run.Skipped)
	}
	if invalid > 0 {
		return &failedError{fmt.Sprintf("%d invalid credentials", invalid)}
	}
	return nil
}
