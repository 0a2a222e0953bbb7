package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tollgate-ai/tollgate/internal/config"
)

func runConfigImport(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("config import", `usage: tollgate config import [--env-file FILE] FILE|-

Apply a YAML configuration (an export, or a configuration file's seed
section) to a running server through the admin API:
  providers    missing ones are created with their credentials (POST
               /admin/providers); existing ones, by name, are kept as they
               are and get the credentials they lack (POST
               /admin/providers/{id}/credentials/import, deduplicated)
  models       created or replaced (PUT /admin/models/{name})
  bindings     missing ones are created (POST /admin/bindings)
${VAR} references are read from --env-file first, then the environment;
every one must be set, or nothing is applied.
`)
	a := f.adminFlags()
	envFile := f.String("env-file", "", "VAR=value file to read ${VAR} references from (as config export --secrets-env writes)")
	rest, err := f.parse(args)
	if err == nil {
		err = f.want(rest, 1, 1, "FILE or -")
	}
	if err != nil {
		return err
	}
	b, err := openInput(p, rest[0])
	if err != nil {
		return err
	}
	seed, err := readImport(b)
	if err != nil {
		return fmt.Errorf("%s: %w", displayName(rest[0]), err)
	}
	getenv := p.Getenv
	if *envFile != "" {
		env, err := readEnvFile(*envFile)
		if err != nil {
			return err
		}
		getenv = func(k string) string {
			if v, ok := env[k]; ok {
				return v
			}
			return p.Getenv(k)
		}
	}
	providers, err := expandSeed(seed, getenv)
	if err != nil {
		return err
	}
	c, err := a.client(p)
	if err != nil {
		return err
	}
	sum, err := apply(ctx, c, seed, providers)
	fmt.Fprintf(p.Stdout, "config import: providers %d created, %d kept; credentials %d added, %d duplicates; models %d applied; bindings %d created, %d kept\n",
		sum.created, sum.kept, sum.added, sum.duplicates, sum.models, sum.bindings, sum.bindingsKept)
	return err
}

// expandSeed resolves every ${VAR} of the seed's providers, and reports
// every variable that is not set at once.
func expandSeed(seed *config.Seed, getenv func(string) string) ([]Provider, error) {
	var errs []error
	exp := func(where, s string) string {
		v, err := config.Expand(s, getenv)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
		return v
	}
	out := make([]Provider, 0, len(seed.Providers))
	for i, sp := range seed.Providers {
		where := fmt.Sprintf("providers[%d] (%s)", i, sp.Name)
		pr := Provider{Name: sp.Name, Type: sp.Type, BaseURL: exp(where+".base_url", sp.BaseURL), Models: sp.Models,
			Options: sp.Options, Status: sp.Status}
		for k, v := range sp.Headers {
			if pr.Headers == nil {
				pr.Headers = map[string]string{}
			}
			pr.Headers[k] = exp(where+".headers."+k, v)
		}
		for j, sc := range sp.Credentials {
			pr.Credentials = append(pr.Credentials, CredentialInput{Name: sc.Name, Weight: sc.Weight, Status: sc.Status,
				Secret: exp(fmt.Sprintf("%s.credentials[%d]", where, j), sc.Secret)})
		}
		out = append(out, pr)
	}
	return out, errors.Join(errs...)
}

type importSummary struct {
	created, kept, added, duplicates, models, bindings, bindingsKept int
}

// apply creates what the seed declares and the server lacks.
func apply(ctx context.Context, c *Client, seed *config.Seed, providers []Provider) (importSummary, error) {
	var sum importSummary
	existing, err := c.Providers(ctx)
	if err != nil {
		return sum, err
	}
	idOf := make(map[string]string, len(existing))
	for _, pr := range existing {
		idOf[pr.Name] = pr.ID
	}
	for _, pr := range providers {
		id, ok := idOf[pr.Name]
		if !ok {
			created, err := c.CreateProvider(ctx, pr)
			if err != nil {
				return sum, fmt.Errorf("provider %s: %w", pr.Name, err)
			}
			idOf[pr.Name] = created.ID
			sum.created++
			sum.added += len(pr.Credentials)
			continue
		}
		sum.kept++
		byWeight := map[int][]string{} // the import endpoint takes one weight per call
		var weights []int
		for _, cr := range pr.Credentials {
			if _, seen := byWeight[cr.Weight]; !seen {
				weights = append(weights, cr.Weight)
			}
			byWeight[cr.Weight] = append(byWeight[cr.Weight], cr.Secret)
		}
		for _, w := range weights {
			got, err := c.ImportCredentials(ctx, id, byWeight[w], w, nil)
			sum.added += got.Added
			sum.duplicates += got.Duplicates
			if err != nil {
				return sum, fmt.Errorf("provider %s: credentials: %w", pr.Name, err)
			}
		}
	}
	for _, sm := range seed.Models {
		m := Model{Name: sm.Name, Aliases: sm.Aliases, OwnedBy: sm.OwnedBy, MaxOutput: sm.MaxOutput, Prices: Prices{
			Input: sm.Prices.Input, CachedInput: sm.Prices.CachedInput, CacheWrite: sm.Prices.CacheWrite,
			Output: sm.Prices.Output, Reasoning: sm.Prices.Reasoning, PerRequest: sm.Prices.PerRequest}}
		if err := c.PutModel(ctx, m); err != nil {
			return sum, fmt.Errorf("model %s: %w", sm.Name, err)
		}
		sum.models++
	}
	if len(seed.Bindings) == 0 {
		return sum, nil
	}
	bs, err := c.Bindings(ctx)
	if err != nil {
		return sum, err
	}
	have := map[string]bool{}
	for _, b := range bs {
		have[bindingKey(b.Namespace, b.Model, b.ProviderID)] = true
	}
	for i, sb := range seed.Bindings {
		id, ok := idOf[sb.Provider]
		if !ok {
			return sum, fmt.Errorf("bindings[%d]: no provider named %q", i, sb.Provider)
		}
		ns := sb.Namespace
		if ns == "" {
			ns = "default"
		}
		if have[bindingKey(ns, sb.Model, id)] {
			sum.bindingsKept++
			continue
		}
		if err := c.CreateBinding(ctx, Binding{Namespace: ns, Model: sb.Model, ProviderID: id,
			UpstreamModel: sb.UpstreamModel, Priority: sb.Priority}); err != nil {
			return sum, fmt.Errorf("bindings[%d] (%s → %s): %w", i, sb.Model, sb.Provider, err)
		}
		have[bindingKey(ns, sb.Model, id)] = true
		sum.bindings++
	}
	return sum, nil
}

func bindingKey(ns, model, providerID string) string {
	return strings.Join([]string{ns, model, providerID}, "\x00")
}
