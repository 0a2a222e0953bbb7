package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/cli"
	"github.com/tollgate-ai/tollgate/internal/compose"
	"github.com/tollgate-ai/tollgate/internal/config"
)

const adminKey = "test-admin-key-0123456789"

// gatewayServer composes a gateway as hosts/server's initApp does (its
// wire_gen.go, by hand, without metrics or tracing) and serves it on an
// httptest.Server; it returns the server's base URL.
func gatewayServer(t testing.TB) string {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.AdminKey = t.TempDir(), adminKey
	cfg.ValidationInterval, cfg.MetricsEnabled, cfg.LogLevel = 0, false, "error"
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	store, closeStore, err := compose.ProvideStore(cfg, logger)
	must(err)
	t.Cleanup(closeStore)
	clock := compose.ProvideClock()
	cache, closeCache, err := compose.ProvideCache(cfg, clock, logger)
	must(err)
	t.Cleanup(closeCache)
	hasher, err := compose.ProvideHasher(cfg)
	must(err)
	rec, closeRec, err := compose.ProvideRecorder(cfg, store, logger)
	must(err)
	t.Cleanup(closeRec)
	notifier, err := compose.ProvideNotifier(cfg, logger)
	must(err)
	g, closeGateway := compose.ProvideGateway(cfg, logger, store, cache, compose.ProvideDrivers(), hasher, clock,
		compose.ProvideIDs(), rec, nil, notifier, nil)
	t.Cleanup(closeGateway)
	admin := gateway.NewAdmin(g)
	key, err := compose.ProvideAdminKey(cfg, hasher)
	must(err)
	sessions, err := compose.ProvideSessionSecret(cfg)
	must(err)
	srv := compose.ProvideHTTP(cfg, logger, g, admin, key, sessions, compose.ProvideChecks(store, cache), nil)
	app := &compose.App{Store: store, Gateway: g, Admin: admin, HTTP: srv, Recorder: rec, AdminKey: key}
	must(app.Start(context.Background(), cfg, func(string) string { return "" }, logger))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close) // runs first: the server stops before what it serves closes
	return ts.URL
}

// result is what one run of the command line did.
type result struct {
	code           int
	stdout, stderr string
}

// lockedBuffer is a bytes.Buffer safe for the writes of a command and the
// logs of the server it serves.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// run runs the command line with env as the environment and stdin.
func run(t testing.TB, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr lockedBuffer
	p := &cli.Program{
		Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr,
		Getenv:    func(k string) string { return env[k] },
		Build:     cli.ReadBuild("v1.2.3", "0123abcd", "2026-11-24T10:00:00Z"),
		OpenStore: compose.ProvideStore,
		Serve:     func(context.Context, config.Config) error { return nil },
	}
	code := p.Run(context.Background(), args)
	return result{code, stdout.String(), stderr.String()}
}

// adminEnv is the environment of commands that call the server at base.
func adminEnv(base string) map[string]string {
	return map[string]string{"TOLLGATE_URL": base, "TOLLGATE_ADMIN_KEY": adminKey}
}

// ok runs a command that must succeed, and returns its result.
func ok(t testing.TB, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	r := run(t, env, stdin, args...)
	if r.code != 0 {
		t.Fatalf("tollgate %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// chat sends a chat completion with key and returns the status.
func chat(t testing.TB, base, key, model string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"model": model, "messages": []map[string]string{{"role": "user", "content": "hi"}}})
	req, err := http.NewRequest(http.MethodPost, base+"/v1/chat/completions", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// mockProvider adds a mock provider named demo serving mock-* with the
// secrets given, through the command line.
func mockProvider(t testing.TB, base string, secrets ...string) {
	t.Helper()
	env := adminEnv(base)
	args := []string{"providers", "add", "--name", "demo", "--type", "mock", "--models", "mock-*"}
	for i, s := range secrets {
		name := "SECRET_" + string(rune('A'+i))
		env[name] = s
		args = append(args, "--secret-env", name)
	}
	ok(t, env, "", args...)
}

func TestVersion(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	r := ok(t, nil, "", "version")
	is.True(strings.Contains(r.stdout, "tollgate v1.2.3"))
	is.True(strings.Contains(r.stdout, "0123abcd"))
	is.True(strings.Contains(r.stdout, "2026-11-24T10:00:00Z"))
	is.True(strings.Contains(r.stdout, "go1.")) // the toolchain's, from the build info
	var b cli.Build
	is.NoErr(json.Unmarshal([]byte(ok(t, nil, "", "version", "--json").stdout), &b))
	is.Equal(b.Version, "v1.2.3")
	is.Equal(cli.ReadBuild("", "", "").Version, "dev") // a test binary has no module version
}
