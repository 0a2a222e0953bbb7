package main

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/uptrace/bun/driver/pgdriver"
)

// pgDatabase creates a database of its own on the test PostgreSQL server
// and returns its DSN; it is dropped when the test ends. The test fails,
// never skips, when the server cannot be reached.
func pgDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("TOLLGATE_TEST_PG_DSN")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(base)))
	defer db.Close()
	name := "tollgate_e2e_" + randomHex(6)
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("PostgreSQL at %s is needed (make test starts it): %v", base, err)
	}
	t.Cleanup(func() {
		db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(base)))
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

const keySecret = "a-key-secret-shared-by-instances"

func redisAddr() string {
	if a := os.Getenv("TOLLGATE_TEST_REDIS_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// settle is how long a test waits for what one instance did to reach
// another. It happens within a flush or two (250 ms each) or a pub/sub
// message; the deadline is loose because CI runs every package at once
// on two cores, and a change that never arrives fails it all the same.
const settle = 5 * time.Second

// within polls cond every 20 ms until it holds or d has passed.
func within(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func chatStatus(t testing.TB, base, key, model string) int {
	return call(t, "POST", base+"/v1/chat/completions", key, map[string]any{
		"model": model, "messages": []map[string]string{{"role": "user", "content": "hi"}},
	}, nil)
}

// Two instances on two loopback ports share one PostgreSQL and one Redis:
// what is written through one is served by the other soon after (see settle).
func TestTwoInstancesShareState(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	pg, prefix := pgDatabase(t), "tollgate-e2e:"+randomHex(4)+":"
	env := func() map[string]string {
		return map[string]string{"TOLLGATE_PG_DSN": pg, "TOLLGATE_REDIS_ADDR": redisAddr(), "TOLLGATE_REDIS_PREFIX": prefix, "TOLLGATE_KEY_SECRET": keySecret, "TOLLGATE_ENCRYPTION_KEY": strings.Repeat("ef", 32)}
	}
	_, a := gatewayServer(t, env())
	_, b := gatewayServer(t, env())

	mockProvider(t, a)
	var acct struct{ ID string }
	is.Equal(call(t, "POST", a+"/admin/accounts", adminKey, map[string]any{"name": "shared"}, &acct), http.StatusCreated)
	var key struct{ ID, Key string }
	is.Equal(call(t, "POST", a+"/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{}, &key), http.StatusCreated)

	is.True(within(settle, func() bool { return chatStatus(t, b, key.Key, "mock-1") == http.StatusOK })) // issued on A, accepted by B

	is.Equal(call(t, "POST", a+"/admin/providers", adminKey, map[string]any{
		"name": "other", "type": "mock", "models": []string{"other-*"}, "credentials": []map[string]any{{"secret": "y"}},
	}, nil), http.StatusCreated)
	is.True(within(settle, func() bool { return chatStatus(t, b, key.Key, "other-1") == http.StatusOK })) // added on A, routes on B

	is.Equal(call(t, "DELETE", a+"/admin/keys/"+key.ID, adminKey, nil, nil), http.StatusOK)
	is.True(within(settle, func() bool { return chatStatus(t, b, key.Key, "mock-1") == http.StatusUnauthorized })) // revoked on A, refused by B
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// serverBinary builds the stock server once per test binary run.
func serverBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tollgate-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "tollgate")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProcess runs the built server with env and waits until it answers.
func startProcess(t *testing.T, env map[string]string) (*exec.Cmd, string) {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(serverBinary(t))
	cmd.Env = append(os.Environ(), "TOLLGATE_ADDR="+addr, "TOLLGATE_ADMIN_KEY="+adminKey, "TOLLGATE_LOG_LEVEL=warn")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := "http://" + addr
	if !within(20*time.Second, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}) {
		t.Fatalf("the server did not start:\n%s", logs.String())
	}
	return cmd, base
}

// Data survives kill -9: configuration written through the admin API is
// there after a restart, on SQLite (WAL) and on PostgreSQL.
func TestSurvivesKill9(t *testing.T) {
	t.Parallel()
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			is := is.New(t)
			env := map[string]string{"TOLLGATE_DATA_DIR": t.TempDir(), "TOLLGATE_ENCRYPTION_KEY": strings.Repeat("ab", 32)}
			if store == "postgres" {
				env["TOLLGATE_PG_DSN"], env["TOLLGATE_KEY_SECRET"] = pgDatabase(t), keySecret
			}
			cmd, base := startProcess(t, env)
			is.Equal(call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
				"name": "demo", "type": "mock", "models": []string{"mock-*"}, "credentials": []map[string]any{{"secret": "sk-sealed"}},
			}, nil), http.StatusCreated)
			var acct struct{ ID string }
			is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "durable"}, &acct), http.StatusCreated)
			var key struct{ Key string }
			is.Equal(call(t, "POST", base+"/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{}, &key), http.StatusCreated)

			is.NoErr(cmd.Process.Signal(syscall.SIGKILL))
			_ = cmd.Wait()

			_, base = startProcess(t, env)
			is.Equal(chatStatus(t, base, key.Key, "mock-1"), http.StatusOK) // key, account, provider and its sealed credential are back
		})
	}
}

// The migrate and reencrypt commands work on a database a server wrote.
func TestCommands(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	dir := t.TempDir()
	env := map[string]string{"TOLLGATE_DATA_DIR": dir}
	cmd, base := startProcess(t, env) // the encryption key is made and kept in the data dir
	is.Equal(call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
		"name": "demo", "type": "mock", "models": []string{"mock-*"}, "credentials": []map[string]any{{"secret": "a"}, {"secret": "b"}},
	}, nil), http.StatusCreated)
	var acct struct{ ID string }
	is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "c"}, &acct), http.StatusCreated)
	var key struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{}, &key), http.StatusCreated)
	is.NoErr(cmd.Process.Signal(syscall.SIGTERM))
	_ = cmd.Wait()

	run := func(args ...string) string {
		c := exec.Command(serverBinary(t), args...)
		c.Env = append(os.Environ(), "TOLLGATE_DATA_DIR="+dir, "TOLLGATE_NEW_ENCRYPTION_KEY="+strings.Repeat("cd", 32))
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	is.True(strings.Contains(run("migrate"), "up to date"))
	is.True(strings.Contains(run("check-ledger"), "every balance is the sum of its entries"))
	is.True(strings.Contains(run("reencrypt"), "2/2 credentials"))

	_, base = startProcess(t, env)
	is.Equal(chatStatus(t, base, key.Key, "mock-1"), http.StatusOK) // the secrets open under the new key, now kept in the data dir
	kept, err := os.ReadFile(filepath.Join(dir, "encryption_key"))
	is.NoErr(err)
	is.Equal(strings.TrimSpace(string(kept)), strings.Repeat("cd", 32))
}

// redisServer runs a private redis-server on a free port, so a test can
// stop it without disturbing the others.
func redisServer(t *testing.T, addr string) *exec.Cmd {
	t.Helper()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatalf("redis-server is needed (make test installs it): %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if !within(10*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		t.Fatal("redis-server did not start")
	}
	return cmd
}

// Without Redis an instance keeps serving from its snapshot, says so on
// /readyz, and recovers when Redis is back.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	addr := freeAddr(t)
	redis := redisServer(t, addr)
	_, base := gatewayServer(t, map[string]string{"TOLLGATE_REDIS_ADDR": addr})
	mockProvider(t, base)
	var acct struct{ ID string }
	is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "a"}, &acct), http.StatusCreated)
	var key struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{}, &key), http.StatusCreated)

	readiness := func() string {
		var r struct{ Status string }
		call(t, "GET", base+"/readyz", "", nil, &r)
		return r.Status
	}
	is.Equal(readiness(), "ready")
	is.NoErr(redis.Process.Kill())
	_ = redis.Wait()

	is.Equal(chatStatus(t, base, key.Key, "mock-1"), http.StatusOK) // served from the snapshot
	is.Equal(readiness(), "degraded")
	var key2 struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{}, &key2), http.StatusCreated) // writes still land
	is.Equal(chatStatus(t, base, key2.Key, "mock-1"), http.StatusOK)

	redisServer(t, addr)
	is.True(within(10*time.Second, func() bool { return readiness() == "ready" })) // reconnected by itself
}

// Three instances sharing one Redis enforce one limit exactly: of 300
// requests spread over them, 100 pass. (The window is an hour so that no
// unit refills while the test runs on a slow machine; the buckets are the
// same for every window.)
func TestLimitsExactAcrossInstances(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	pg, prefix := pgDatabase(t), "tollgate-e2e:"+randomHex(4)+":"
	var bases []string
	for range 3 {
		_, base := gatewayServer(t, map[string]string{"TOLLGATE_PG_DSN": pg, "TOLLGATE_REDIS_ADDR": redisAddr(), "TOLLGATE_REDIS_PREFIX": prefix,
			"TOLLGATE_KEY_SECRET": keySecret, "TOLLGATE_ENCRYPTION_KEY": strings.Repeat("ef", 32)})
		bases = append(bases, base)
	}
	is.Equal(call(t, "POST", bases[0]+"/admin/providers", adminKey, map[string]any{
		"name": "demo", "type": "mock", "models": []string{"mock-*"}, "credentials": []map[string]any{{"secret": "x"}},
	}, nil), http.StatusCreated)
	var acct struct{ ID string }
	is.Equal(call(t, "POST", bases[0]+"/admin/accounts", adminKey, map[string]any{"name": "limited", "limits": map[string]int{"requests_per_hour": 100}}, &acct), http.StatusCreated)
	var key struct{ Key string }
	is.Equal(call(t, "POST", bases[0]+"/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{}, &key), http.StatusCreated)
	for _, b := range bases {
		is.True(within(settle, func() bool { return call(t, "GET", b+"/v1/models", key.Key, nil, nil) == http.StatusOK })) // every instance knows the key
	}

	statuses := make(chan int, 300)
	var wg sync.WaitGroup
	for w := range 15 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				statuses <- chatStatus(t, bases[(w+i)%3], key.Key, "mock-1")
			}
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	is.Equal(count[http.StatusOK], 100)
	is.Equal(count[http.StatusTooManyRequests], 200)
}
