package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/internal/cli"
)

func TestProvidersAddList(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	base := gatewayServer(t)
	env := adminEnv(base)
	env["MOCK_SECRET"], env["TEAM"] = "sk-mock-secret-value", "blue"
	r := ok(t, env, "", "providers", "add", "--name", "demo", "--type", "mock", "--models", "mock-*,demo-*",
		"--secret-env", "MOCK_SECRET", "--header", "X-Team=${TEAM}", "--option", "reply=hello")
	is.True(strings.Contains(r.stdout, "created provider demo"))
	is.True(!strings.Contains(r.stdout+r.stderr, "sk-mock-secret-value"))

	r = ok(t, env, "", "providers", "list")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	is.Equal(len(lines), 2) // the header and demo
	is.True(strings.HasPrefix(lines[0], "NAME"))
	is.True(strings.Contains(lines[1], "demo"))
	is.True(strings.Contains(lines[1], "1 (1 active)"))
	is.True(strings.Contains(lines[1], "mock-*,demo-*"))

	var rows []struct {
		Name        string
		Headers     map[string]string
		Options     map[string]string
		Credentials map[string]int
	}
	is.NoErr(json.Unmarshal([]byte(ok(t, env, "", "providers", "list", "--json").stdout), &rows))
	is.Equal(rows[0].Headers["X-Team"], "blue")
	is.Equal(rows[0].Options["reply"], "hello")
	is.Equal(rows[0].Credentials["active"], 1)

	t.Run("ErrSecretEnvNotSet", func(t *testing.T) {
		r := run(t, env, "", "providers", "add", "--name", "x", "--type", "mock", "--secret-env", "NOT_SET")
		is.New(t).Equal(r.code, cli.ExitUsage)
	})
	t.Run("ErrDuplicateName", func(t *testing.T) {
		is := is.New(t)
		r := run(t, env, "", "providers", "add", "--name", "demo", "--type", "mock")
		is.Equal(r.code, cli.ExitFailed)
		is.True(strings.Contains(r.stderr, "the server refused (409")) // with the API's message
	})
}

func TestProvidersImport(t *testing.T) {
	t.Parallel()
	base := gatewayServer(t)
	env := adminEnv(base)
	mockProvider(t, base, "sk-already-there-0001")

	t.Run("Lines", func(t *testing.T) {
		is := is.New(t)
		path := filepath.Join(t.TempDir(), "keys.txt")
		is.NoErr(os.WriteFile(path, []byte("# exported keys\nsk-a-000000000001\nsk-a-000000000002\n\nsk-a-000000000001\nsk-already-there-0001\nsk-a-000000000003\n"), 0o600))
		r := ok(t, env, "", "providers", "import", "demo", path, "--batch", "2")
		is.Equal(strings.TrimSpace(r.stdout),
			"import demo: 5 read, 3 created, 2 duplicates (1 repeated in the input, 1 already the provider's), 1 blank, 0 failed")
		is.True(strings.Contains(r.stderr, "import demo: 2/4 secrets (50%)")) // the first request of 2
		is.True(strings.Contains(r.stderr, "import demo: 4/4 secrets (100%)"))
		is.True(!strings.Contains(r.stderr, "\r")) // stderr is no terminal: plain lines

		// Again: everything is there already.
		r = ok(t, env, "", "providers", "import", "--quiet", "demo", path)
		is.True(strings.Contains(r.stdout, "0 created, 5 duplicates (1 repeated in the input, 4 already the provider's)"))
		is.Equal(r.stderr, "")
	})
	t.Run("NDJSONFromStdin", func(t *testing.T) {
		is := is.New(t)
		in := `{"secret": "sk-nd-000000000001"}` + "\n" + `{"key": "sk-nd-000000000002"}` + "\n" + `"sk-nd-000000000001"` + "\n"
		r := ok(t, env, in, "providers", "import", "demo", "-")
		is.True(strings.Contains(r.stdout, "3 read, 2 created, 1 duplicates"))
	})
	t.Run("CSV", func(t *testing.T) {
		is := is.New(t)
		path := filepath.Join(t.TempDir(), "keys.csv")
		is.NoErr(os.WriteFile(path, []byte("name,api_key\nfirst,sk-csv-00000000001\nsecond,sk-csv-00000000002\n"), 0o600))
		r := ok(t, env, "", "providers", "import", "demo", path)
		is.True(strings.Contains(r.stdout, "2 read, 2 created, 0 duplicates"))
	})
	t.Run("Terminal", func(t *testing.T) {
		is := is.New(t)
		tty := true
		var stdout, stderr lockedBuffer
		p := &cli.Program{Stdin: strings.NewReader("sk-tty-0000000001\n"), Stdout: &stdout, Stderr: &stderr,
			Getenv: func(k string) string { return env[k] }, Terminal: &tty}
		is.Equal(p.Run(context.Background(), []string{"providers", "import", "demo"}), 0)
		is.True(strings.HasPrefix(stderr.String(), "\rimport demo: [")) // redrawn in place, with a bar
		is.True(strings.HasSuffix(stderr.String(), "1/1 secrets (100%)\n"))
	})
	t.Run("ErrNoProvider", func(t *testing.T) {
		is := is.New(t)
		r := run(t, env, "sk-x\n", "providers", "import", "nope", "-")
		is.Equal(r.code, cli.ExitFailed)
		is.True(strings.Contains(r.stderr, "the server refused (404"))
	})
}

func TestValidate(t *testing.T) {
	t.Parallel()
	base := gatewayServer(t)
	env := adminEnv(base)
	mockProvider(t, base, "sk-valid-00000001", "sk-valid-00000002")

	t.Run("Valid", func(t *testing.T) {
		is := is.New(t)
		r := ok(t, env, "", "validate", "demo")
		is.True(strings.Contains(r.stdout, "validate demo: 2 checked, 2 valid, 0 invalid, 0 skipped"))
		is.Equal(strings.Count(r.stdout, "valid    "), 2)
		is.True(strings.Contains(r.stderr, "validate demo: 2/2 credentials (100%)"))
	})
	t.Run("Invalid", func(t *testing.T) {
		is := is.New(t)
		ok(t, env, "", "providers", "add", "--name", "broken", "--type", "mock", "--models", "broken-*", "--option", "fail=401",
			"--secret-env", "TOLLGATE_ADMIN_KEY") // any secret will do
		r := run(t, env, "", "validate", "--quiet", "broken")
		is.Equal(r.code, cli.ExitFailed)
		is.True(strings.Contains(r.stdout, "1 checked, 0 valid, 1 invalid"))
		is.True(strings.HasPrefix(r.stdout, "invalid  "))
	})
	t.Run("ErrNoProvider", func(t *testing.T) {
		r := run(t, env, "", "validate", "nope")
		is.New(t).Equal(r.code, cli.ExitFailed)
	})
	t.Run("ErrInStream", func(t *testing.T) { // refused after the stream began
		is := is.New(t)
		ok(t, env, "", "providers", "add", "--name", "off", "--type", "mock", "--disabled")
		r := run(t, env, "", "validate", "off")
		is.Equal(r.code, cli.ExitFailed)
		is.True(strings.Contains(r.stderr, "tollgate validate: the server refused (not_found): no active provider"))
	})
}
