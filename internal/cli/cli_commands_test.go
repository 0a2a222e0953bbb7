package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/internal/cli"
)

func TestExitCodes(t *testing.T) {
	t.Parallel()
	base := gatewayServer(t)
	unreachable := map[string]string{"TOLLGATE_URL": "http://127.0.0.1:1", "TOLLGATE_ADMIN_KEY": adminKey}
	for _, tc := range []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stderr string
	}{
		{"UnknownCommand", nil, []string{"bogus"}, cli.ExitUsage, `unknown command "bogus"`},
		{"UnknownSubcommand", nil, []string{"providers", "remove"}, cli.ExitUsage, `unknown subcommand "remove"`},
		{"NoSubcommand", nil, []string{"keys"}, cli.ExitUsage, "a subcommand is required"},
		{"BadFlag", adminEnv(base), []string{"providers", "list", "--bogus"}, cli.ExitUsage, "flag provided but not defined: -bogus"},
		{"MissingArgument", adminEnv(base), []string{"validate"}, cli.ExitUsage, "expected PROVIDER"},
		{"NoAdminKey", map[string]string{"TOLLGATE_URL": base}, []string{"providers", "list"}, cli.ExitUsage, "no admin key"},
		{"BadURL", map[string]string{"TOLLGATE_ADMIN_KEY": adminKey}, []string{"providers", "list", "--url", "127.0.0.1:8080"}, cli.ExitUsage, "not an http://"},
		{"Unreachable", unreachable, []string{"providers", "list"}, cli.ExitUnreachable, "cannot reach the Tollgate server at http://127.0.0.1:1"},
		{"UnreachableImport", unreachable, []string{"providers", "import", "demo", "-"}, cli.ExitUnreachable, "cannot reach"},
		{"WrongAdminKey", map[string]string{"TOLLGATE_URL": base, "TOLLGATE_ADMIN_KEY": "wrong"}, []string{"providers", "list"}, cli.ExitFailed,
			"the server refused (401 invalid_admin_key): "},
		{"Refused", adminEnv(base), []string{"providers", "add", "--name", "x", "--type", "nope"}, cli.ExitFailed,
			`the server refused (400 invalid): unknown provider type "nope" (field type)`},
		{"BadConfig", map[string]string{"TOLLGATE_LOG_LEVEL": "loud"}, []string{"migrate"}, cli.ExitUsage, "log_level"},
		{"NoNewEncryptionKey", nil, []string{"rotate-encryption-key"}, cli.ExitUsage, "TOLLGATE_NEW_ENCRYPTION_KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			r := run(t, tc.env, "", tc.args...)
			is.Equal(r.code, tc.code)
			is.True(strings.Contains(r.stderr, tc.stderr))
		})
	}
}

// Every command and subcommand answers --help with its usage on stdout,
// and exits 0.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--help"}, {"help"}, {"serve"}, {"migrate"}, {"admin-key"}, {"admin-key", "create"}, {"admin-key", "rotate"},
		{"providers"}, {"providers", "add"}, {"providers", "list"}, {"providers", "import"},
		{"accounts"}, {"accounts", "create"}, {"accounts", "list"}, {"keys"}, {"keys", "issue"}, {"keys", "revoke"},
		{"credits"}, {"credits", "grant"}, {"validate"}, {"config"}, {"config", "export"}, {"config", "import"},
		{"rotate-encryption-key"}, {"reencrypt"}, {"check-ledger"}, {"version"}, {"help", "keys", "issue"},
	} {
		name := strings.Join(args, " ")
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			if args[0] != "--help" && args[0] != "help" {
				args = append(args, "--help")
			}
			r := run(t, nil, "", args...)
			is.Equal(r.code, 0)
			is.True(strings.HasPrefix(r.stdout, "usage: tollgate"))
			is.Equal(r.stderr, "")
		})
	}
}

// The commands that work on the database and data directory, without a
// server.
func TestLocalCommands(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	dir := t.TempDir()
	env := map[string]string{"TOLLGATE_DATA_DIR": dir, "TOLLGATE_LOG_LEVEL": "warn"}
	is.True(strings.Contains(ok(t, env, "", "migrate").stdout, "the database schema is up to date"))
	is.True(strings.Contains(ok(t, env, "", "check-ledger").stdout, "every balance is the sum of its entries"))

	env["TOLLGATE_NEW_ENCRYPTION_KEY"] = strings.Repeat("cd", 32)
	r := ok(t, env, "", "reencrypt") // the old name of rotate-encryption-key
	is.True(strings.Contains(r.stderr, "rotate-encryption-key: 0/0 credentials"))
	kept, err := os.ReadFile(filepath.Join(dir, "encryption_key"))
	is.NoErr(err)
	is.Equal(strings.TrimSpace(string(kept)), strings.Repeat("cd", 32))

	t.Run("AdminKey", func(t *testing.T) {
		is := is.New(t)
		r := ok(t, env, "", "admin-key", "create")
		first := strings.TrimSpace(strings.Split(r.stdout, "\n")[2])
		is.True(strings.HasPrefix(first, "tg-admin-"))
		digest, err := os.ReadFile(filepath.Join(dir, "admin_key.digest"))
		is.NoErr(err)
		is.True(!strings.Contains(string(digest), first)) // only the digest is kept

		r = run(t, env, "", "admin-key", "create")
		is.Equal(r.code, cli.ExitFailed) // one exists: rotate it
		is.True(strings.Contains(r.stderr, "admin-key rotate"))

		r = ok(t, env, "", "admin-key", "rotate")
		second := strings.TrimSpace(strings.Split(r.stdout, "\n")[2])
		is.True(strings.HasPrefix(second, "tg-admin-") && second != first)
		is.True(strings.Contains(r.stdout, "Restart every server"))
		rotated, err := os.ReadFile(filepath.Join(dir, "admin_key.digest"))
		is.NoErr(err)
		is.True(string(rotated) != string(digest))

		withEnv := map[string]string{"TOLLGATE_DATA_DIR": dir, "TOLLGATE_ADMIN_KEY": "set-in-env-0123456789"}
		is.Equal(run(t, withEnv, "", "admin-key", "create").code, cli.ExitFailed)
		r = ok(t, withEnv, "", "admin-key", "rotate")
		is.True(strings.Contains(r.stdout, "TOLLGATE_ADMIN_KEY is set"))
		is.True(!strings.Contains(r.stdout+r.stderr, "set-in-env-0123456789"))
	})
	t.Run("ErrDatabaseUnreachable", func(t *testing.T) {
		is := is.New(t)
		r := run(t, map[string]string{"TOLLGATE_PG_DSN": "postgres://tollgate:pw@127.0.0.1:1/tollgate?sslmode=disable",
			"TOLLGATE_KEY_SECRET": strings.Repeat("k", 32), "TOLLGATE_ADMIN_KEY": adminKey, "TOLLGATE_ENCRYPTION_KEY": strings.Repeat("ab", 32)},
			"", "check-ledger")
		is.Equal(r.code, cli.ExitUnreachable)
		is.True(strings.Contains(r.stderr, "open the database"))
	})
}
