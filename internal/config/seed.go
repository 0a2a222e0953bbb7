package config

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Seed declares configuration to create at start, so a user can begin
// with one file. Secrets are referenced as ${ENV_VAR}, never written in
// the file. Entries that already exist (by provider name, model name, or
// binding namespace+model+provider) are left as they are: the admin API
// owns them after the first start.
type Seed struct {
	Providers []SeedProvider `yaml:"providers,omitempty"`
	Models    []SeedModel    `yaml:"models,omitempty"`
	Bindings  []SeedBinding  `yaml:"bindings,omitempty"`
}

// SeedProvider is a provider with its credentials.
type SeedProvider struct {
	Name    string            `yaml:"name"`
	Type    string            `yaml:"type"`
	BaseURL string            `yaml:"base_url,omitempty"`
	Headers map[string]string `yaml:"headers,omitempty"`
	Models  []string          `yaml:"models,omitempty"`
	Options map[string]string `yaml:"options,omitempty"`
	// Status is the provider's status when it is created ("active" when
	// empty; "disabled" keeps it out of routing).
	Status      string           `yaml:"status,omitempty"`
	Credentials []SeedCredential `yaml:"credentials,omitempty"`
}

// SeedCredential is one upstream secret; Secret is usually "${ENV_VAR}".
type SeedCredential struct {
	Name   string `yaml:"name,omitempty"`
	Secret string `yaml:"secret"`
	Weight int    `yaml:"weight,omitempty"`
	// Status is the credential's status when it is created ("active"
	// when empty).
	Status string `yaml:"status,omitempty"`
}

// SeedModel is a catalog entry; prices are micros per million tokens.
type SeedModel struct {
	Name    string   `yaml:"name"`
	Aliases []string `yaml:"aliases,omitempty"`
	OwnedBy string   `yaml:"owned_by,omitempty"`
	// MaxOutput is the model's output limit, in tokens.
	MaxOutput int64 `yaml:"max_output,omitempty"`
	Prices    struct {
		Input       int64 `yaml:"input"`
		CachedInput int64 `yaml:"cached_input,omitempty"`
		CacheWrite  int64 `yaml:"cache_write,omitempty"`
		Output      int64 `yaml:"output"`
		Reasoning   int64 `yaml:"reasoning,omitempty"`
		PerRequest  int64 `yaml:"per_request,omitempty"`
	} `yaml:"prices"`
}

// SeedBinding routes a model in a namespace to a provider named here.
type SeedBinding struct {
	Namespace     string `yaml:"namespace,omitempty"`
	Model         string `yaml:"model"`
	Provider      string `yaml:"provider"`
	UpstreamModel string `yaml:"upstream_model,omitempty"`
	Priority      int    `yaml:"priority,omitempty"`
}

// OpenAIModels are the model patterns of the provider made from
// OPENAI_API_KEY.
var OpenAIModels = []string{"gpt-*", "chatgpt-*", "o1*", "o3*", "o4*", "text-embedding-*"}

// ApplySeed creates what the seed declares and does not exist yet. When
// OPENAI_API_KEY is set and no provider exists afterwards, it creates an
// "openai" provider from it. It reports what it created through logf.
func (c *Config) ApplySeed(ctx context.Context, admin *gateway.Admin, getenv func(string) string, logf func(string, ...any)) error {
	existing, err := admin.Providers(ctx)
	if err != nil {
		return err
	}
	byName := make(map[string]*gateway.Provider)
	for _, p := range existing {
		byName[p.Name] = p
	}
	for i, sp := range c.Seed.Providers {
		if _, ok := byName[sp.Name]; ok {
			continue
		}
		p, err := c.seedProvider(ctx, admin, sp, getenv)
		if err != nil {
			return fmt.Errorf("seed: providers[%d] (%s): %w", i, sp.Name, err)
		}
		byName[p.Name] = p
		logf("seed: created provider %s with %d credentials", p.Name, len(sp.Credentials))
	}
	for i, sm := range c.Seed.Models {
		if _, err := admin.Model(ctx, sm.Name); err == nil {
			continue
		}
		m := &gateway.Model{Name: sm.Name, Aliases: sm.Aliases, OwnedBy: sm.OwnedBy, MaxOutput: sm.MaxOutput, Prices: gateway.Prices{
			Input: gateway.Micros(sm.Prices.Input), CachedInput: gateway.Micros(sm.Prices.CachedInput), CacheWrite: gateway.Micros(sm.Prices.CacheWrite),
			Output: gateway.Micros(sm.Prices.Output), Reasoning: gateway.Micros(sm.Prices.Reasoning), PerRequest: gateway.Micros(sm.Prices.PerRequest),
		}}
		if _, err := admin.PutModel(ctx, m); err != nil {
			return fmt.Errorf("seed: models[%d] (%s): %w", i, sm.Name, err)
		}
	}
	if err := c.seedBindings(ctx, admin, byName); err != nil {
		return err
	}
	if key := getenv("OPENAI_API_KEY"); key != "" && len(byName) == 0 {
		_, err := c.seedProvider(ctx, admin, SeedProvider{
			Name: "openai", Type: "openai", Models: OpenAIModels,
			Credentials: []SeedCredential{{Name: "OPENAI_API_KEY", Secret: "${OPENAI_API_KEY}"}},
		}, getenv)
		if err != nil {
			return fmt.Errorf("seed: openai from OPENAI_API_KEY: %w", err)
		}
		logf("seed: created provider openai from OPENAI_API_KEY")
	}
	return nil
}

func (c *Config) seedProvider(ctx context.Context, admin *gateway.Admin, sp SeedProvider, getenv func(string) string) (*gateway.Provider, error) {
	baseURL, err := expand(sp.BaseURL, getenv)
	if err != nil {
		return nil, err
	}
	headers := make(map[string]string, len(sp.Headers))
	for k, v := range sp.Headers {
		if headers[k], err = expand(v, getenv); err != nil {
			return nil, err
		}
	}
	creds := make([]*gateway.Credential, 0, len(sp.Credentials))
	for _, sc := range sp.Credentials {
		secret, err := expand(sc.Secret, getenv)
		if err != nil {
			return nil, err
		}
		creds = append(creds, &gateway.Credential{Name: sc.Name, Secret: gateway.Secret(secret), Weight: sc.Weight, Status: gateway.Status(sc.Status)})
	}
	p, err := admin.CreateProvider(ctx, &gateway.Provider{
		Name: sp.Name, Type: sp.Type, BaseURL: baseURL, Headers: headers, Models: sp.Models, Options: sp.Options,
		Status: gateway.Status(sp.Status),
	})
	if err != nil {
		return nil, err
	}
	if len(creds) > 0 {
		if _, err := admin.AddCredentials(ctx, p.ID, creds); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (c *Config) seedBindings(ctx context.Context, admin *gateway.Admin, byName map[string]*gateway.Provider) error {
	existing, err := admin.Bindings(ctx)
	if err != nil {
		return err
	}
	for i, sb := range c.Seed.Bindings {
		p, ok := byName[sb.Provider]
		if !ok {
			return fmt.Errorf("seed: bindings[%d]: no provider named %q", i, sb.Provider)
		}
		ns := sb.Namespace
		if ns == "" {
			ns = gateway.DefaultNamespace
		}
		dup := false
		for _, b := range existing {
			dup = dup || (b.Namespace == ns && b.Model == sb.Model && b.ProviderID == p.ID)
		}
		if dup {
			continue
		}
		if _, err := admin.CreateBinding(ctx, &gateway.Binding{
			Namespace: ns, Model: sb.Model, ProviderID: p.ID, UpstreamModel: sb.UpstreamModel, Priority: sb.Priority,
		}); err != nil {
			return fmt.Errorf("seed: bindings[%d]: %w", i, err)
		}
	}
	return nil
}

// Expand replaces ${VAR} and $VAR in s with getenv's values, as the seed
// does with its secrets. A variable that is not set is an error naming
// it (never its neighbours' values).
func Expand(s string, getenv func(string) string) (string, error) { return expand(s, getenv) }

// expand replaces ${VAR} and $VAR with the environment's values; a
// variable that is not set is an error, so a missing secret is caught at
// start rather than sent upstream as an empty key.
func expand(s string, getenv func(string) string) (string, error) {
	var missing []string
	out := os.Expand(s, func(name string) string {
		v := getenv(name)
		if v == "" {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("environment variable %s is not set", strings.Join(missing, ", "))
	}
	return out, nil
}
