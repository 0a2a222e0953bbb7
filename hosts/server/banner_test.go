package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matryer/is"
)

// The start log says what runs: the build, where the configuration came
// from (variables by name) and the adapters; no secret reaches it.
func TestStartLog(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "tollgate.yaml")
	is.NoErr(os.WriteFile(path, []byte("max_attempts: 2\n"), 0o600))
	secrets := map[string]string{
		"TOLLGATE_ADMIN_KEY":            "admin-secret-value-0123456789",
		"TOLLGATE_KEY_SECRET":           "key-secret-value-0123456789abcdef",
		"TOLLGATE_ENCRYPTION_KEY":       strings.Repeat("5e", 32),
		"TOLLGATE_ALERT_WEBHOOK_SECRET": "webhook-secret-value-0123",
	}
	env := map[string]string{"TOLLGATE_ADDR": "127.0.0.1:0", "TOLLGATE_DATA_DIR": t.TempDir(), "TOLLGATE_CONFIG": path,
		"TOLLGATE_ALERT_WEBHOOK_URL": "https://hooks.example.com/tollgate"}
	for k, v := range secrets {
		env[k] = v
	}
	var logs, out syncBuffer
	m := NewMain()
	m.Getenv = func(k string) string { return env[k] }
	m.Stdout, m.Stderr = &out, &logs
	is.NoErr(m.ParseFlags(nil))
	is.NoErr(m.Run(context.Background()))
	is.NoErr(m.Close())

	var start string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `msg="tollgate starting"`) {
			start = line
		}
	}
	is.True(start != "")
	for _, want := range []string{
		"version=", "commit=", "go=go1.",
		"config=\"defaults < file " + path + " < env TOLLGATE_ADDR,TOLLGATE_ADMIN_KEY,TOLLGATE_ALERT_WEBHOOK_SECRET,",
		"store=sqlite", "store_path=" + filepath.Join(env["TOLLGATE_DATA_DIR"], "tollgate.db"), "cache=memory",
		"notifiers=log,webhook", `providers="[anthropic azure gemini mock openai]"`,
	} {
		if !strings.Contains(start, want) {
			t.Errorf("the start log lacks %q:\n%s", want, start)
		}
	}
	for name, secret := range secrets {
		is.True(!strings.Contains(logs.String()+out.String(), secret)) // no secret, only its variable's name
		is.True(strings.Contains(start, name))
	}
}

// Main.Execute runs the command line: version, and exit codes.
func TestExecute(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	var out, errs syncBuffer
	m := NewMain()
	m.Getenv = func(string) string { return "" }
	m.Stdout, m.Stderr = &out, &errs
	is.Equal(m.Execute(context.Background(), []string{"version"}), 0)
	is.True(strings.HasPrefix(out.String(), "tollgate "))
	is.Equal(m.Execute(context.Background(), []string{"nope"}), 2)
}
