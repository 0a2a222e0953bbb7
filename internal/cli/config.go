package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/internal/config"
	"gopkg.in/yaml.v3"
)

// exportDoc is the document config export writes: a configuration file
// with only its seed section, so it serves as --config for a new server
// as well as input to config import.
type exportDoc struct {
	Seed config.Seed `yaml:"seed"`
}

// looksSecret reports whether a header probably carries a credential: the
// admin API masks those (adapters/httpapi looksSecret), so the export
// makes them references.
func looksSecret(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"auth", "key", "token", "secret", "cookie", "password"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

var notEnvChar = regexp.MustCompile(`[^A-Z0-9]+`)

// envNames makes environment variable names unique.
type envNames map[string]bool

func (e envNames) name(parts ...string) string {
	for i, p := range parts {
		parts[i] = strings.Trim(notEnvChar.ReplaceAllString(strings.ToUpper(p), "_"), "_")
	}
	base := strings.Join(parts, "_")
	name := base
	for n := 2; e[name]; n++ {
		name = fmt.Sprintf("%s_%d", base, n)
	}
	e[name] = true
	return name
}

func runConfigExport(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("config export", `usage: tollgate config export [--output FILE] [--secrets-env FILE]

Write the server's providers (with their credentials), models and prices,
and bindings as YAML, in the seed format of the configuration file
(internal/config/seed.go), read through the admin API (GET
/admin/providers, /admin/providers/{id}/credentials, /admin/models,
/admin/bindings). Secrets are never written into it: each credential's
secret is a ${TOLLGATE_SECRET_<PROVIDER>_<N>} reference, and so is each
header whose name looks secret (the API shows only a hint of those).

The file serves as input to `+"`tollgate config import`"+`, or as --config of a
new server (it creates what is missing at start). With --secrets-env, the
secrets themselves are written to FILE (mode 0600) as VAR='secret' lines
(GET /admin/providers/{id}/credentials/export), for import --env-file;
header secrets cannot be read back and stay references to fill in.
`)
	a := f.adminFlags()
	output := f.String("output", "-", `where to write the YAML ("-": stdout)`)
	secretsEnv := f.String("secrets-env", "", "also write the credentials' secrets to this env file, mode 0600")
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
	doc, secrets, err := export(ctx, c, *secretsEnv != "")
	if err != nil {
		return err
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	var vars []string
	for _, sp := range doc.Seed.Providers {
		for _, v := range sp.Headers {
			vars = append(vars, refNames(v)...)
		}
		for _, sc := range sp.Credentials {
			vars = append(vars, refNames(sc.Secret)...)
		}
	}
	head := fmt.Sprintf("# Tollgate configuration exported from %s at %s.\n", c.base, time.Now().UTC().Format(time.RFC3339))
	if len(vars) > 0 {
		head += "# Secrets are references: set these variables before importing it or\n# starting a server with it:\n#   " + strings.Join(vars, "\n#   ") + "\n"
	}
	out := append([]byte(head), b.Bytes()...)
	if *secretsEnv != "" {
		var env strings.Builder
		env.WriteString("# Tollgate upstream secrets: keep this file private.\n")
		for _, name := range sortedKeys(secrets) {
			fmt.Fprintf(&env, "%s=%s\n", name, shellQuote(secrets[name]))
		}
		if err := os.WriteFile(*secretsEnv, []byte(env.String()), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(p.Stderr, "config export: %d secrets written to %s (mode 0600)\n", len(secrets), *secretsEnv)
	}
	if *output == "-" {
		_, err = p.Stdout.Write(out)
		return err
	}
	if err := os.WriteFile(*output, out, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(p.Stderr, "config export: %d providers, %d models, %d bindings written to %s\n",
		len(doc.Seed.Providers), len(doc.Seed.Models), len(doc.Seed.Bindings), *output)
	return nil
}

// export reads the configuration, with the secrets by reference; with
// withSecrets it returns the secrets too, by variable name.
func export(ctx context.Context, c *Client, withSecrets bool) (*exportDoc, map[string]string, error) {
	doc := &exportDoc{}
	secrets := map[string]string{}
	names := envNames{}
	ps, err := c.Providers(ctx)
	if err != nil {
		return nil, nil, err
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	nameOf := make(map[string]string, len(ps))
	for _, pr := range ps {
		nameOf[pr.ID] = pr.Name
		sp := config.SeedProvider{Name: pr.Name, Type: pr.Type, BaseURL: pr.BaseURL, Models: pr.Models, Options: pr.Options}
		if pr.Status != "" && pr.Status != "active" {
			sp.Status = pr.Status
		}
		for _, h := range sortedKeys(pr.Headers) {
			if sp.Headers == nil {
				sp.Headers = map[string]string{}
			}
			sp.Headers[h] = pr.Headers[h]
			if looksSecret(h) {
				sp.Headers[h] = "${" + names.name("TOLLGATE_HEADER", pr.Name, h) + "}"
			}
		}
		creds, err := c.Credentials(ctx, pr.ID)
		if err != nil {
			return nil, nil, err
		}
		var values []string
		if withSecrets {
			if values, err = c.ExportSecrets(ctx, pr.ID); err != nil {
				return nil, nil, err
			}
			if len(values) != len(creds) {
				return nil, nil, fmt.Errorf("provider %s: its credentials changed during the export; run it again", pr.Name)
			}
		}
		// Pair each credential with its secret, then order them by name
		// (and hint), so that exports of equal configurations are equal.
		order := make([]int, len(creds))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool {
			ca, cb := creds[order[a]], creds[order[b]]
			return ca.Name < cb.Name || ca.Name == cb.Name && ca.SecretHint < cb.SecretHint
		})
		for n, i := range order {
			cr := creds[i]
			name := names.name("TOLLGATE_SECRET", pr.Name, fmt.Sprint(n+1))
			sc := config.SeedCredential{Name: cr.Name, Secret: "${" + name + "}", Weight: cr.Weight}
			switch cr.Status {
			case "disabled", "invalid", "pending":
				sc.Status = cr.Status
			}
			if withSecrets {
				if hint(values[i]) != cr.SecretHint {
					return nil, nil, fmt.Errorf("provider %s: its credentials changed during the export; run it again", pr.Name)
				}
				secrets[name] = values[i]
			}
			sp.Credentials = append(sp.Credentials, sc)
		}
		doc.Seed.Providers = append(doc.Seed.Providers, sp)
	}
	ms, err := c.Models(ctx)
	if err != nil {
		return nil, nil, err
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	for _, m := range ms {
		sm := config.SeedModel{Name: m.Name, Aliases: m.Aliases, OwnedBy: m.OwnedBy, MaxOutput: m.MaxOutput}
		sm.Prices.Input, sm.Prices.CachedInput, sm.Prices.CacheWrite = m.Prices.Input, m.Prices.CachedInput, m.Prices.CacheWrite
		sm.Prices.Output, sm.Prices.Reasoning, sm.Prices.PerRequest = m.Prices.Output, m.Prices.Reasoning, m.Prices.PerRequest
		doc.Seed.Models = append(doc.Seed.Models, sm)
	}
	bs, err := c.Bindings(ctx)
	if err != nil {
		return nil, nil, err
	}
	sort.SliceStable(bs, func(i, j int) bool {
		a, b := bs[i], bs[j]
		if a.Namespace != b.Namespace || a.Model != b.Model {
			return a.Namespace < b.Namespace || a.Namespace == b.Namespace && a.Model < b.Model
		}
		return a.Priority < b.Priority || a.Priority == b.Priority && nameOf[a.ProviderID] < nameOf[b.ProviderID]
	})
	for _, b := range bs {
		doc.Seed.Bindings = append(doc.Seed.Bindings, config.SeedBinding{Namespace: b.Namespace, Model: b.Model,
			Provider: nameOf[b.ProviderID], UpstreamModel: b.UpstreamModel, Priority: b.Priority})
	}
	return doc, secrets, nil
}

// hint is the API's hint of a secret (gateway.Secret.Hint), to check
// that the exported secrets pair with the listed credentials.
func hint(s string) string {
	if len(s) < 12 {
		return "****"
	}
	return s[:3] + "..." + s[len(s)-4:]
}

var refPattern = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

func refNames(s string) []string {
	var out []string
	for _, m := range refPattern.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// shellQuote quotes a value for an env file that a shell can source too.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// readEnvFile reads VAR=value lines (# comments, optional export, values
// optionally quoted as shellQuote writes them).
func readEnvFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%s:%d: not VAR=value", path, i+1)
		}
		switch {
		case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
			v = strings.ReplaceAll(v[1:len(v)-1], `'\''`, "'")
		case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
			v = v[1 : len(v)-1]
		}
		env[strings.TrimSpace(k)] = v
	}
	return env, nil
}

// readImport reads a configuration file: a document with a seed section
// (a configuration file, or an export), or a bare seed.
func readImport(b []byte) (*config.Seed, error) {
	var doc struct {
		Seed *config.Seed `yaml:"seed"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	if doc.Seed != nil {
		return doc.Seed, nil
	}
	var seed config.Seed
	if err := yaml.Unmarshal(b, &seed); err != nil {
		return nil, err
	}
	return &seed, nil
}
