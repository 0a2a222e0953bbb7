package cli_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/internal/cli"
)

// within reports whether cond holds before d has passed.
func within(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

func TestKeysIssueRevoke(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	base := gatewayServer(t)
	env := adminEnv(base)
	mockProvider(t, base, "sk-upstream-0001")
	r := ok(t, env, "", "accounts", "create", "team-a")
	is.True(strings.HasPrefix(r.stdout, "created account team-a (id "))

	r = ok(t, env, "", "keys", "issue", "--account", "team-a", "--name", "ci", "--models", "mock-*")
	key := strings.TrimSpace(r.stdout) // the key alone on stdout
	is.True(strings.HasPrefix(key, "tg-"))
	is.True(strings.Contains(r.stderr, "shown once"))
	is.Equal(chat(t, base, key, "mock-1"), http.StatusOK)

	r = ok(t, env, "", "keys", "revoke", key[:8]) // by its display prefix
	is.True(strings.HasPrefix(r.stdout, "revoked key "))
	is.True(within(2*time.Second, func() bool { return chat(t, base, key, "mock-1") == http.StatusUnauthorized }))

	t.Run("ByIDAndAll", func(t *testing.T) {
		is := is.New(t)
		var k1, k2 cli.Key
		is.NoErr(json.Unmarshal([]byte(ok(t, env, "", "keys", "issue", "--account", "team-a", "--json").stdout), &k1))
		is.NoErr(json.Unmarshal([]byte(ok(t, env, "", "keys", "issue", "--account", "team-a", "--json", "--expires-in", "24h").stdout), &k2))
		is.True(k2.ExpiresAt != nil)
		ok(t, env, "", "keys", "revoke", k1.ID)
		is.True(within(2*time.Second, func() bool { return chat(t, base, k1.Key, "mock-1") == http.StatusUnauthorized }))
		is.Equal(chat(t, base, k2.Key, "mock-1"), http.StatusOK)
		ok(t, env, "", "keys", "revoke", "--all", "--account", "team-a")
		is.True(within(2*time.Second, func() bool { return chat(t, base, k2.Key, "mock-1") == http.StatusUnauthorized }))
	})
	t.Run("ErrUnknownAccount", func(t *testing.T) {
		r := run(t, env, "", "keys", "issue", "--account", "nobody")
		is.New(t).Equal(r.code, cli.ExitFailed)
	})
	t.Run("ErrUsage", func(t *testing.T) {
		is := is.New(t)
		is.Equal(run(t, env, "", "keys", "issue").code, cli.ExitUsage)                        // no --account
		is.Equal(run(t, env, "", "keys", "revoke").code, cli.ExitUsage)                       // no key
		is.Equal(run(t, env, "", "keys", "revoke", "--all", "k").code, cli.ExitUsage)         // --all without --account
		is.Equal(run(t, env, "", "keys", "issue", "--account", "a", "x").code, cli.ExitUsage) // an argument
	})
}

func TestCreditsGrant(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	base := gatewayServer(t)
	env := adminEnv(base)
	ok(t, env, "", "accounts", "create", "--prepaid", "buyer")
	r := ok(t, env, "", "credits", "grant", "--account", "buyer", "--reason", "welcome credits", "12.5")
	is.True(strings.Contains(r.stdout, "grant of 12.500000 credits to account buyer"))
	is.True(strings.Contains(r.stdout, "balance 12.500000"))
	r = ok(t, env, "", "credits", "grant", "--account", "buyer", "--reason", "one micro more", "0.000001")
	is.True(strings.Contains(r.stdout, "balance 12.500001"))

	var out struct {
		Balance cli.Balance `json:"balance"`
	}
	is.NoErr(json.Unmarshal([]byte(ok(t, env, "", "credits", "grant", "--account", "buyer", "--reason", "one credit more", "--json", "1").stdout), &out))
	is.Equal(out.Balance.Balance, int64(13_500_001))

	for _, bad := range []string{"1.2345678", "ten", "", "."} {
		is.Equal(run(t, env, "", "credits", "grant", "--account", "buyer", bad).code, cli.ExitUsage)
	}
	r = run(t, env, "", "credits", "grant", "--account", "buyer", "--reason", "short", "1")
	is.Equal(r.code, cli.ExitFailed) // the server refuses, and says why and which field
	is.True(strings.Contains(r.stderr, "the server refused (400 invalid): reason must be at least 10 characters (field reason)"))
}
