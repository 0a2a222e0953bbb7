package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/tollgate-ai/tollgate/internal/config"
)

// keyValues is a repeatable KEY=VALUE flag.
type keyValues map[string]string

func (kv keyValues) String() string { return "" }

func (kv keyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", s)
	}
	kv[k] = v
	return nil
}

// listFlag is a repeatable or comma-separated list flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

func runProvidersAdd(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("providers add", `usage: tollgate providers add --name NAME --type TYPE [flags]

Create a provider through the admin API (POST /admin/providers). Secrets
never go on the command line: --secret-env names environment variables
that hold them, and header values may be ${VAR} references. Add many
credentials later with `+"`tollgate providers import`"+`.

Types: openai, azure, anthropic, gemini, mock, and the OpenAI-compatible
presets the server offers (GET /admin/providers/presets).
`)
	a := f.adminFlags()
	name := f.String("name", "", "the provider's name (required)")
	typ := f.String("type", "", "the provider's type (required)")
	baseURL := f.String("base-url", "", "the upstream base URL (default: the type's)")
	var models, secretEnv listFlag
	f.Var(&models, "models", "model patterns it serves, comma-separated or repeated (e.g. 'gpt-*')")
	f.Var(&secretEnv, "secret-env", "environment variable holding a credential's secret, comma-separated or repeated")
	headers, options := keyValues{}, keyValues{}
	f.Var(headers, "header", "an upstream header, NAME=VALUE (VALUE may be ${VAR}), repeated")
	f.Var(options, "option", "a provider option, KEY=VALUE, repeated")
	weight := f.Int("weight", 0, "the credentials' weight (default 1)")
	disabled := f.Bool("disabled", false, "create it disabled, out of routing")
	asJSON := f.Bool("json", false, "print the created provider as JSON")
	rest, err := f.parse(args)
	if err == nil {
		err = f.want(rest, 0, 0, "no arguments (use --name and --type)")
	}
	if err == nil && (*name == "" || *typ == "") {
		f.printUsage(p.Stderr)
		err = usagef("--name and --type are required")
	}
	if err != nil {
		return err
	}
	in := Provider{Name: *name, Type: *typ, BaseURL: *baseURL, Models: models, Options: options}
	if *disabled {
		in.Status = "disabled"
	}
	if len(headers) > 0 {
		in.Headers = map[string]string{}
		for k, v := range headers {
			if in.Headers[k], err = config.Expand(v, p.Getenv); err != nil {
				return usagef("--header %s: %v", k, err)
			}
		}
	}
	for _, env := range secretEnv {
		secret := p.Getenv(env)
		if secret == "" {
			return usagef("--secret-env %s: the variable is not set", env)
		}
		in.Credentials = append(in.Credentials, CredentialInput{Name: env, Secret: secret, Weight: *weight})
	}
	c, err := a.client(p)
	if err != nil {
		return err
	}
	out, err := c.CreateProvider(ctx, in)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(p.Stdout).Encode(out)
	}
	fmt.Fprintf(p.Stdout, "created provider %s (id %s, type %s) with %d credentials\n", out.Name, out.ID, out.Type, len(in.Credentials))
	return nil
}

func runProvidersList(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("providers list", `usage: tollgate providers list [--json]

List the providers and how many credentials each has in each state
(GET /admin/providers and /admin/providers/{id}/credentials).
`)
	a := f.adminFlags()
	asJSON := f.Bool("json", false, "print JSON: the providers, each with its credentials' counts by state")
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
	ps, err := c.Providers(ctx)
	if err != nil {
		return err
	}
	type row struct {
		Provider
		Credentials map[string]int `json:"credentials"`
	}
	rows := make([]row, 0, len(ps))
	for _, pr := range ps {
		cs, err := c.Credentials(ctx, pr.ID)
		if err != nil {
			return err
		}
		counts := map[string]int{}
		for _, cr := range cs {
			counts[cr.Status]++
		}
		rows = append(rows, row{pr, counts})
	}
	if *asJSON {
		enc := json.NewEncoder(p.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(p.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tID\tTYPE\tSTATUS\tCREDENTIALS\tMODELS")
	for _, r := range rows {
		total, states := 0, []string{}
		for _, st := range sortedKeys(r.Credentials) {
			total += r.Credentials[st]
			states = append(states, fmt.Sprintf("%d %s", r.Credentials[st], st))
		}
		creds := fmt.Sprint(total)
		if len(states) > 0 {
			creds += " (" + strings.Join(states, ", ") + ")"
		}
		models := strings.Join(r.Models, ",")
		if models == "" {
			models = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.ID, r.Type, r.Status, creds, models)
	}
	return tw.Flush()
}

func runProvidersImport(ctx context.Context, p *Program, args []string) error {
	f := p.newFlags("providers import", `usage: tollgate providers import [flags] PROVIDER [FILE|-]

Add many credentials to an existing provider (its id or name), from FILE
or, with "-" or no FILE, from stdin, through the admin API (POST
/admin/providers/{id}/credentials/import, in requests of --batch secrets).
Secrets the provider already has, or that the input repeats, are skipped;
blank lines too. Progress goes to stderr, the summary to stdout; exits 1
when some secrets could not be imported.

Formats (--format, default auto: by the file's extension, else by its
first line):
  lines   one secret per line; lines starting with # are comments
  ndjson  one JSON object per line with a "secret" (or "key") field, or a
          JSON string
  csv     a "secret" (or "key", "api_key") column, else the first column
`)
	a := f.adminFlags()
	format := f.String("format", "auto", "input format: auto, lines, ndjson or csv")
	weight := f.Int("weight", 0, "the new credentials' weight (default 1)")
	batch := f.Int("batch", 5000, "secrets per request")
	quiet := f.Bool("quiet", false, "no progress on stderr")
	rest, err := f.parse(args)
	if err == nil {
		err = f.want(rest, 1, 2, "PROVIDER [FILE|-]")
	}
	if err == nil && *batch < 1 {
		err = usagef("--batch must be at least 1")
	}
	if err != nil {
		return err
	}
	file := "-"
	if len(rest) == 2 {
		file = rest[1]
	}
	in, err := readSecrets(p, file, *format)
	if err != nil {
		return err
	}
	c, err := a.client(p)
	if err != nil {
		return err
	}
	prov, err := c.Provider(ctx, rest[0])
	if err != nil {
		return err
	}
	var bar *progress
	if !*quiet {
		bar = newProgress(p.Stderr, p.terminal(), "import "+prov.Name, "secrets")
	}
	total := len(in.secrets)
	var sum ImportSummary
	var ierr error
	for start := 0; start < total && ierr == nil; start += *batch {
		chunk := in.secrets[start:min(start+*batch, total)]
		var got ImportSummary
		got, ierr = c.ImportCredentials(ctx, prov.ID, chunk, *weight, func(done, _ int) { bar.update(start+done, total) })
		sum.Added += got.Added
		sum.Duplicates += got.Duplicates
		sum.Empty += got.Empty
	}
	if total == 0 {
		bar.update(0, 0)
	}
	bar.done()
	sum.Failed = total - sum.Added - sum.Duplicates - sum.Empty
	fmt.Fprintf(p.Stdout, "import %s: %d read, %d created, %d duplicates (%d repeated in the input, %d already the provider's), %d blank, %d failed\n",
		prov.Name, in.read, sum.Added, sum.Duplicates+in.repeated, in.repeated, sum.Duplicates, sum.Empty+in.blank, sum.Failed)
	if ierr != nil {
		return ierr
	}
	if sum.Failed > 0 {
		return &failedError{fmt.Sprintf("%d secrets were not imported", sum.Failed)}
	}
	return nil
}

// openInput opens a file, or stdin for "-".
func openInput(p *Program, file string) ([]byte, error) {
	if file == "-" {
		if p.Stdin == nil {
			return nil, usagef("no stdin to read")
		}
		if isTerminal(p.Stdin) {
			fmt.Fprintln(p.Stderr, "reading from stdin; end with Ctrl-D")
		}
		var b strings.Builder
		if _, err := copyAll(&b, p.Stdin); err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
		return []byte(b.String()), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return b, nil
}
