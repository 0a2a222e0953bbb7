// Package cli is the command line of the stock server binary, tollgate:
// serve, the commands that work on the database directly (migrate,
// rotate-encryption-key, check-ledger, admin-key), and the commands that
// manage a running server through its admin API (providers, keys,
// credits, validate, config), with a typed admin API Client. The host
// (hosts/server) only hands it the process's streams and environment and
// the functions that compose the server and open the Store.
//
// Every command exits 0 on success, 1 when the operation failed (the
// server refused, drift or invalid credentials found), 2 on a usage error
// and 3 when the server or database cannot be reached; see ExitCode.
package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/tollgate-ai/tollgate/adapters/sqlstore"
	"github.com/tollgate-ai/tollgate/internal/config"
)

// Program is one run of the command line. Set its fields, then call Run
// once. The zero Program is not usable: Stdout, Stderr and Getenv are
// required, and Serve and OpenStore for the commands that use them.
type Program struct {
	Stdin  io.Reader // files named "-" are read from it
	Stdout io.Writer // results: tables, keys shown once, exports
	Stderr io.Writer // errors, usage on errors, progress
	// Getenv reads the environment: TOLLGATE_* configuration, TOLLGATE_URL
	// and TOLLGATE_ADMIN_KEY for the admin API, ${VAR} references.
	Getenv func(string) string
	// Build is what `version` prints.
	Build Build
	// Serve runs the server with cfg until ctx is done and it has shut
	// down.
	Serve func(ctx context.Context, cfg config.Config) error
	// OpenStore opens the Store cfg names, migrated, and a function that
	// closes it.
	OpenStore func(cfg config.Config, logger *slog.Logger) (*sqlstore.Store, func(), error)
	// HTTPClient calls the admin API; nil uses NewClient's default.
	HTTPClient *http.Client
	// Terminal says whether Stderr is a terminal, for progress; nil
	// detects it.
	Terminal *bool

	configPath string // the global --config
}

// command is a command or a group of subcommands.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, p *Program, args []string) error
	subs    []*command
	alias   string // another name it answers to
}

func commands() []*command {
	return []*command{
		{name: "serve", summary: "serve the gateway (the default with no command)", run: runServe},
		{name: "migrate", summary: "bring the database schema up to date, then exit", run: runMigrate},
		{name: "admin-key", summary: "make the admin key kept in the data directory", subs: []*command{
			{name: "create", summary: "make the first admin key and show it once", run: runAdminKeyCreate},
			{name: "rotate", summary: "replace the admin key with a new one, shown once", run: runAdminKeyRotate},
		}},
		{name: "providers", summary: "add, list and fill upstream providers (admin API)", subs: []*command{
			{name: "add", summary: "create a provider, with credentials from the environment", run: runProvidersAdd},
			{name: "list", summary: "list the providers and their credentials' states", run: runProvidersList},
			{name: "import", summary: "add many credentials to a provider from a file or stdin", run: runProvidersImport},
		}},
		{name: "accounts", summary: "create and list accounts (admin API)", subs: []*command{
			{name: "create", summary: "create an account", run: runAccountsCreate},
			{name: "list", summary: "list the accounts", run: runAccountsList},
		}},
		{name: "keys", summary: "issue and revoke client keys (admin API)", subs: []*command{
			{name: "issue", summary: "issue a client key to an account, shown once", run: runKeysIssue},
			{name: "revoke", summary: "revoke a key, or every key of an account", run: runKeysRevoke},
		}},
		{name: "credits", summary: "grant credits (admin API)", subs: []*command{
			{name: "grant", summary: "grant credits to an account", run: runCreditsGrant},
		}},
		{name: "validate", summary: "check a provider's credentials against its API (admin API)", run: runValidate},
		{name: "config", summary: "export or import providers, models and bindings as YAML (admin API)", subs: []*command{
			{name: "export", summary: "write the configuration as YAML, secrets as ${VAR} references", run: runConfigExport},
			{name: "import", summary: "apply a YAML configuration to a server", run: runConfigImport},
		}},
		{name: "rotate-encryption-key", alias: "reencrypt", summary: "seal every upstream secret under TOLLGATE_NEW_ENCRYPTION_KEY", run: runRotateEncryptionKey},
		{name: "check-ledger", summary: "recompute every balance from the ledger; exit 1 on drift", run: runCheckLedger},
		{name: "version", summary: "print the version, commit, build time and Go version", run: runVersion},
	}
}

const exitCodesText = `Exit codes: 0 success, 1 the operation failed (the server refused, drift
or invalid credentials found), 2 usage error, 3 the server or database
cannot be reached.
`

// Run runs the command args name (args excludes the program name) and
// returns the process's exit code. Errors are printed on Stderr.
func (p *Program) Run(ctx context.Context, args []string) int {
	all := commands()
	fs := flag.NewFlagSet("tollgate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&p.configPath, "config", p.Getenv("TOLLGATE_CONFIG"), "path of a YAML configuration file (TOLLGATE_CONFIG)")
	usage := func(w io.Writer) {
		fmt.Fprint(w, "usage: tollgate [--config FILE] [command] [subcommand] [flags] [args]\n\nWith no command, serve. Commands:\n")
		for _, c := range all {
			fmt.Fprintf(w, "  %-22s %s\n", c.name, c.summary)
			for _, s := range c.subs {
				fmt.Fprintf(w, "    %-20s %s\n", s.name, s.summary)
			}
		}
		fmt.Fprint(w, "\nRun `tollgate COMMAND --help` for a command's flags.\n\n"+exitCodesText+"\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(p.Stdout)
			return ExitOK
		}
		usage(p.Stderr)
		fmt.Fprintln(p.Stderr, "tollgate:", err)
		return ExitUsage
	}
	args = fs.Args()
	if len(args) == 0 {
		args = []string{"serve"}
	}
	if args[0] == "help" {
		if len(args) == 1 {
			usage(p.Stdout)
			return ExitOK
		}
		args = append(args[1:], "--help")
	}
	c := find(all, args[0])
	if c == nil {
		usage(p.Stderr)
		fmt.Fprintf(p.Stderr, "tollgate: unknown command %q\n", args[0])
		return ExitUsage
	}
	name := "tollgate " + c.name
	args = args[1:]
	if len(c.subs) > 0 {
		groupUsage := func(w io.Writer) {
			fmt.Fprintf(w, "usage: %s SUBCOMMAND [flags] [args]\n\n%s.\n\nSubcommands:\n", name, upperFirst(c.summary))
			for _, s := range c.subs {
				fmt.Fprintf(w, "  %-10s %s\n", s.name, s.summary)
			}
			fmt.Fprintf(w, "\nRun `%s SUBCOMMAND --help` for its flags.\n", name)
		}
		if len(args) == 0 || isHelp(args[0]) {
			if len(args) == 0 {
				groupUsage(p.Stderr)
				fmt.Fprintf(p.Stderr, "%s: a subcommand is required\n", name)
				return ExitUsage
			}
			groupUsage(p.Stdout)
			return ExitOK
		}
		sub := find(c.subs, args[0])
		if sub == nil {
			groupUsage(p.Stderr)
			fmt.Fprintf(p.Stderr, "%s: unknown subcommand %q\n", name, args[0])
			return ExitUsage
		}
		name, c, args = name+" "+sub.name, sub, args[1:]
	}
	err := c.run(ctx, p, args)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	var failed *failedError
	if err != nil && !errors.As(err, &failed) { // a failure already reported needs no second line
		fmt.Fprintf(p.Stderr, "%s: %v\n", name, err)
	}
	return ExitCode(err)
}

func find(cs []*command, name string) *command {
	for _, c := range cs {
		if c.name == name || (c.alias != "" && c.alias == name) {
			return c
		}
	}
	return nil
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// flags is a command's flag set and usage text.
type flags struct {
	*flag.FlagSet
	p     *Program
	usage string
}

// newFlags returns the flag set of a command; usage is its synopsis and
// description, printed above the flags by --help.
func (p *Program) newFlags(name, usage string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flags{FlagSet: fs, p: p, usage: usage}
}

func (f *flags) printUsage(w io.Writer) {
	fmt.Fprint(w, f.usage)
	var b bytes.Buffer
	f.SetOutput(&b)
	f.PrintDefaults()
	f.SetOutput(io.Discard)
	if b.Len() > 0 {
		fmt.Fprint(w, "\nFlags:\n", b.String())
	}
	fmt.Fprint(w, "\n"+exitCodesText)
}

// parse parses args, flags and arguments in any order ("--" ends the
// flags), and returns the arguments. --help prints the usage on Stdout and
// returns flag.ErrHelp; a bad flag prints it on Stderr and returns a usage
// error.
func (f *flags) parse(args []string) ([]string, error) {
	var rest []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.printUsage(f.p.Stdout)
				return nil, err
			}
			f.printUsage(f.p.Stderr)
			return nil, &usageError{err.Error()}
		}
		left := f.Args()
		consumed := len(args) - len(left)
		if len(left) == 0 || (consumed > 0 && args[consumed-1] == "--") {
			return append(rest, left...), nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// want checks the number of arguments, between min and max (-1: no
// bound).
func (f *flags) want(args []string, min, max int, what string) error {
	if len(args) < min || (max >= 0 && len(args) > max) {
		f.printUsage(f.p.Stderr)
		return usagef("expected %s, got %d arguments", what, len(args))
	}
	return nil
}

// admin holds the flags of commands that call the admin API.
type admin struct {
	url, key string
}

func (f *flags) adminFlags() *admin {
	a := &admin{}
	f.StringVar(&a.url, "url", "", "base URL of the server (default $TOLLGATE_URL, else http://127.0.0.1:8080)")
	f.StringVar(&a.key, "admin-key", "", "admin key or admin session token (default $TOLLGATE_ADMIN_KEY)")
	return a
}

// client returns the admin API client the flags and environment name.
func (a *admin) client(p *Program) (*Client, error) {
	base := a.url
	if base == "" {
		base = p.Getenv("TOLLGATE_URL")
	}
	if base == "" {
		base = "http://127.0.0.1:8080"
	}
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, usagef("--url %q is not an http:// or https:// URL", base)
	}
	key := a.key
	if key == "" {
		key = p.Getenv("TOLLGATE_ADMIN_KEY")
	}
	if key == "" {
		return nil, usagef("no admin key: pass --admin-key or set TOLLGATE_ADMIN_KEY")
	}
	return NewClient(base, key, p.HTTPClient), nil
}

// configFlag adds --config, defaulting to the global one.
func (f *flags) configFlag() *string {
	return f.String("config", f.p.configPath, "path of a YAML configuration file (default the global --config, or $TOLLGATE_CONFIG)")
}

// loadConfig loads the configuration as the server does.
func (p *Program) loadConfig(path string) (config.Config, error) {
	cfg, err := config.Load(path, p.Getenv)
	if err != nil {
		return cfg, usagef("%v", err)
	}
	return cfg, nil
}

func (p *Program) terminal() bool {
	if p.Terminal != nil {
		return *p.Terminal
	}
	return isTerminal(p.Stderr)
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
