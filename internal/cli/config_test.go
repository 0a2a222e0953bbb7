package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/internal/cli"
)

// body drops an export's comment lines, which name the server and time.
func body(yaml string) string {
	var out []string
	for _, line := range strings.Split(yaml, "\n") {
		if !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

func TestConfigExportImport(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	from, to := gatewayServer(t), gatewayServer(t)
	env := adminEnv(from)
	env["S1"], env["S2"], env["TOKEN"] = "sk-first-secret-0001", "sk-second-secret-0002", "tok-header-secret-0003"
	ok(t, env, "", "providers", "add", "--name", "demo", "--type", "mock", "--models", "mock-*", "--secret-env", "S1,S2",
		"--weight", "3", "--header", "X-Team=blue", "--header", "X-Api-Token=${TOKEN}", "--option", "reply=exported")
	ok(t, env, "", "providers", "add", "--name", "spare", "--type", "mock", "--models", "spare-*", "--disabled")
	from1 := cli.NewClient(from, adminKey, nil)
	is.NoErr(from1.PutModel(ctx, cli.Model{Name: "mock-1", Aliases: []string{"mock-one"}, Prices: cli.Prices{Input: 1_000_000, Output: 2_000_000}}))
	is.NoErr(from1.CreateBinding(ctx, cli.Binding{Namespace: "default", Model: "fast", ProviderID: "demo", UpstreamModel: "mock-1", Priority: 2}))

	dir := t.TempDir()
	file, secrets := filepath.Join(dir, "tollgate.yaml"), filepath.Join(dir, "secrets.env")
	r := ok(t, env, "", "config", "export", "--output", file, "--secrets-env", secrets)
	is.True(strings.Contains(r.stderr, "2 secrets written"))
	b, err := os.ReadFile(file)
	is.NoErr(err)
	exported := string(b)
	for _, secret := range []string{"sk-first-secret-0001", "sk-second-secret-0002", "tok-header-secret-0003"} {
		is.True(!strings.Contains(exported, secret)) // secrets by reference only
	}
	is.True(strings.Contains(exported, "secret: ${TOLLGATE_SECRET_DEMO_1}"))
	is.True(strings.Contains(exported, "X-Api-Token: ${TOLLGATE_HEADER_DEMO_X_API_TOKEN}"))
	is.True(strings.Contains(exported, "X-Team: blue"))
	is.True(strings.Contains(exported, "status: disabled"))
	is.True(strings.Contains(exported, "#   TOLLGATE_SECRET_DEMO_2\n"))
	st, err := os.Stat(secrets)
	is.NoErr(err)
	is.Equal(st.Mode().Perm(), os.FileMode(0o600))

	t.Run("ErrMissingReference", func(t *testing.T) {
		is := is.New(t)
		r := run(t, adminEnv(to), "", "config", "import", file) // no --env-file: nothing is set
		is.Equal(r.code, cli.ExitFailed)
		is.True(strings.Contains(r.stderr, "TOLLGATE_SECRET_DEMO_1"))
		is.True(strings.Contains(r.stderr, "TOLLGATE_HEADER_DEMO_X_API_TOKEN"))
		ps, err := cli.NewClient(to, adminKey, nil).Providers(ctx)
		is.NoErr(err)
		is.Equal(len(ps), 0) // nothing applied
	})

	toEnv := adminEnv(to)
	toEnv["TOLLGATE_HEADER_DEMO_X_API_TOKEN"] = "tok-header-secret-0003" // header secrets are not exported
	r = ok(t, toEnv, "", "config", "import", "--env-file", secrets, file)
	is.Equal(strings.TrimSpace(r.stdout), "config import: providers 2 created, 0 kept; credentials 2 added, 0 duplicates; models 1 applied; bindings 1 created, 0 kept")

	// The second gateway exports the same configuration, and holds the
	// same secrets.
	again := ok(t, toEnv, "", "config", "export").stdout
	is.Equal(body(again), body(exported))
	to1 := cli.NewClient(to, adminKey, nil)
	for _, name := range []string{"demo", "spare"} {
		want, err := from1.ExportSecrets(ctx, name)
		is.NoErr(err)
		got, err := to1.ExportSecrets(ctx, name)
		is.NoErr(err)
		sort.Strings(want) // credentials made in one request list in any order
		sort.Strings(got)
		is.Equal(got, want)
	}
	demo, err := to1.Provider(ctx, "demo")
	is.NoErr(err)
	is.Equal(demo.Headers["X-Api-Token"], "tok...0003") // the header secret arrived (masked in answers)

	// Importing again changes nothing: everything is there.
	r = ok(t, toEnv, "", "config", "import", "--env-file", secrets, file)
	is.Equal(strings.TrimSpace(r.stdout), "config import: providers 0 created, 2 kept; credentials 0 added, 2 duplicates; models 1 applied; bindings 0 created, 1 kept")

	t.Run("FromStdinBareSeed", func(t *testing.T) {
		is := is.New(t)
		seed := "providers:\n  - name: extra\n    type: mock\n    models: [extra-*]\n    credentials:\n      - secret: ${EXTRA}\n"
		env := adminEnv(to)
		env["EXTRA"] = "sk-extra-0000001"
		r := ok(t, env, seed, "config", "import", "-")
		is.True(strings.Contains(r.stdout, "providers 1 created"))
	})
}
