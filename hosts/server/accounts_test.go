package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
)

// Accounts manage their own keys with their master key, and no account
// can see or touch another's.
func TestAccountsAreIsolated(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	m, base := gatewayServer(t, map[string]string{})
	mockProvider(t, base)

	type account struct{ ID, master, child, childID string }
	setup := func(name string) account {
		var a struct{ ID string }
		is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": name}, &a), http.StatusCreated)
		var m struct{ Key string }
		is.Equal(call(t, "POST", base+"/admin/accounts/"+a.ID+"/master-key", adminKey, nil, &m), http.StatusCreated)
		var c struct {
			ID, Key  string
			IssuedBy string `json:"issued_by"`
		}
		is.Equal(call(t, "POST", base+"/v1/keys", m.Key, map[string]any{"name": "ci"}, &c), http.StatusCreated)
		is.Equal(c.IssuedBy, "account:"+a.ID)
		return account{a.ID, m.Key, c.Key, c.ID}
	}
	a, b := setup("a"), setup("b")

	var list struct {
		Data []struct {
			ID        string
			AccountID string `json:"account_id"`
		}
	}
	is.Equal(call(t, "GET", base+"/v1/keys", a.master, nil, &list), http.StatusOK)
	for _, k := range list.Data {
		is.Equal(k.AccountID, a.ID) // A sees only its own keys
		is.True(k.ID != b.childID)
	}
	is.Equal(call(t, "DELETE", base+"/v1/keys/"+b.childID, a.master, nil, nil), http.StatusNotFound) // nor can it touch B's
	is.Equal(call(t, "PATCH", base+"/v1/keys/"+b.childID, a.master, map[string]any{"limits": map[string]int{"requests_per_day": 1}}, nil), http.StatusNotFound)
	is.Equal(call(t, "GET", base+"/admin/accounts/"+b.ID+"/realtime", a.master, nil, nil), http.StatusUnauthorized) // nor read its figures
	is.Equal(chatStatus(t, base, b.child, "mock-1"), http.StatusOK)
	is.NoErr(m.App().Recorder.Flush(context.Background()))
	var logs struct {
		Data []struct {
			AccountID string `json:"account_id"`
		}
	}
	is.Equal(call(t, "GET", base+"/v1/logs?key_id="+b.childID, a.child, nil, &logs), http.StatusOK)
	is.Equal(len(logs.Data), 0) // nor its request logs, even by naming its key
	is.Equal(call(t, "GET", base+"/v1/logs", b.child, nil, &logs), http.StatusOK)
	is.True(len(logs.Data) > 0)
	for _, l := range logs.Data {
		is.Equal(l.AccountID, b.ID)
	}

	is.Equal(chatStatus(t, base, a.master, "mock-1"), http.StatusForbidden)            // a master key calls no model
	is.Equal(call(t, "GET", base+"/v1/keys", a.child, nil, nil), http.StatusForbidden) // a client key manages nothing
	is.Equal(call(t, "GET", base+"/admin/accounts", a.master, nil, nil), http.StatusUnauthorized)

	is.Equal(call(t, "PATCH", base+"/v1/keys/"+a.childID, a.master, map[string]any{"limits": map[string]int{"requests_per_day": 1}}, nil), http.StatusOK)
	is.Equal(chatStatus(t, base, a.child, "mock-1"), http.StatusOK)
	is.Equal(chatStatus(t, base, a.child, "mock-1"), http.StatusTooManyRequests) // its own key's new limit applies at once

	is.Equal(call(t, "POST", base+"/v1/keys/revoke-all", a.master, nil, nil), http.StatusOK)
	is.Equal(chatStatus(t, base, a.child, "mock-1"), http.StatusUnauthorized) // every key of A is revoked at once
	is.Equal(chatStatus(t, base, b.child, "mock-1"), http.StatusOK)           // B's are not
	var fresh struct{ Key string }
	is.Equal(call(t, "POST", base+"/v1/keys", a.master, map[string]any{}, &fresh), http.StatusCreated) // the master still works
	is.Equal(chatStatus(t, base, fresh.Key, "mock-1"), http.StatusOK)
}

func TestKeyScopesOverHTTP(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	_, base := gatewayServer(t, map[string]string{})
	mockProvider(t, base)
	var a struct{ ID string }
	is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "a", "namespaces": []string{"beta"}}, &a), http.StatusCreated)
	var k struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+a.ID+"/keys", adminKey, map[string]any{"namespaces": []string{"beta"}, "allowed_ips": []string{"127.0.0.0/8"}}, &k), http.StatusCreated)
	var far struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+a.ID+"/keys", adminKey, map[string]any{"allowed_ips": []string{"203.0.113.0/24"}}, &far), http.StatusCreated)

	is.Equal(chatStatus(t, base, far.Key, "mock-1"), http.StatusForbidden) // not from this address
	send := func(ns string) int {
		req, _ := http.NewRequest("POST", base+"/v1/chat/completions", strings.NewReader(`{"model":"mock-1","messages":[{"role":"user","content":"hi"}]}`))
		req.Header.Set("Authorization", "Bearer "+k.Key)
		req.Header.Set("X-Tollgate-Namespace", ns)
		resp, err := http.DefaultClient.Do(req)
		is.NoErr(err)
		resp.Body.Close()
		return resp.StatusCode
	}
	is.Equal(send("beta"), http.StatusOK) // allowed (providers' own model lists serve every namespace)
	is.Equal(send("prod"), http.StatusForbidden)
}

// An account's realtime figures: its own through /v1/realtime, any
// through the admin API.
func TestRealtimeOverHTTP(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	_, base := gatewayServer(t, map[string]string{})
	mockProvider(t, base)
	var a struct{ ID string }
	is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "a", "limits": map[string]int{"requests_per_day": 50}}, &a), http.StatusCreated)
	var k struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+a.ID+"/keys", adminKey, map[string]any{}, &k), http.StatusCreated)
	// The figures count in calendar windows: a minute that ends between
	// the requests and a read starts again from nothing.
	began := time.Now().UTC()
	sameMinute := func() bool { return time.Now().UTC().Truncate(time.Minute).Equal(began.Truncate(time.Minute)) }
	for range 2 {
		is.Equal(chatStatus(t, base, k.Key, "mock-1"), http.StatusOK)
	}
	type realtime struct {
		AccountID string `json:"account_id"`
		Requests  struct{ Minute, Day int64 }
		Limits    []struct {
			Name             string
			Limit, Remaining int64
		}
	}
	var own realtime
	is.True(within(5*time.Second, func() bool {
		return call(t, "GET", base+"/v1/realtime", k.Key, nil, &own) == http.StatusOK && own.Requests.Day == 2
	}))
	if sameMinute() {
		is.Equal(own.Requests.Minute, int64(2))
	}
	is.Equal(own.AccountID, a.ID)
	is.Equal(own.Requests.Day, int64(2))
	is.Equal(len(own.Limits), 1)
	is.Equal(own.Limits[0].Remaining, int64(48))
	var admin realtime
	is.Equal(call(t, "GET", base+"/admin/accounts/"+a.ID+"/realtime", adminKey, nil, &admin), http.StatusOK)
	if sameMinute() {
		is.Equal(admin.Requests.Minute, int64(2))
	}
	is.Equal(admin.Requests.Day, int64(2))
	is.Equal(call(t, "GET", base+"/admin/accounts/acc_missing/realtime", adminKey, nil, nil), http.StatusNotFound)
}

// Anonymous access, when configured, lets requests without a key call the
// listed models, limited per client address.
func TestAnonymousOverHTTP(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "tollgate.yaml")
	is.NoErr(os.WriteFile(path, []byte(`
anonymous:
  models: ["free-*"]
  limits: {requests_per_hour: 2}
seed:
  providers:
    - {name: demo, type: mock, models: ["free-*", "paid-*"], credentials: [{secret: x}]}
`), 0o600))
	_, base := gatewayServer(t, map[string]string{"TOLLGATE_CONFIG": path})
	is.Equal(chatStatus(t, base, "", "free-1"), http.StatusOK)
	is.Equal(chatStatus(t, base, "", "paid-1"), http.StatusForbidden)
	is.Equal(chatStatus(t, base, "", "free-1"), http.StatusOK)
	is.Equal(chatStatus(t, base, "", "free-1"), http.StatusTooManyRequests)

	_, closed := gatewayServer(t, map[string]string{})
	is.Equal(chatStatus(t, closed, "", "free-1"), http.StatusUnauthorized) // off by default
}

// Gateway-wide limits and anonymous access change at runtime through the
// admin API, on every instance.
func TestSettingsAtRuntime(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	_, base := gatewayServer(t, map[string]string{})
	mockProvider(t, base)
	is.Equal(chatStatus(t, base, "", "mock-1"), http.StatusUnauthorized)
	is.Equal(call(t, "PUT", base+"/admin/settings", adminKey, map[string]any{
		"anonymous": map[string]any{"models": []string{"mock-*"}},
	}, nil), http.StatusBadRequest) // anonymous access needs limits
	var st struct {
		Limits struct {
			RequestsPerDay int64 `json:"requests_per_day"`
		}
	}
	is.Equal(call(t, "PUT", base+"/admin/settings", adminKey, map[string]any{
		"limits":    map[string]int{"requests_per_day": 3},
		"anonymous": map[string]any{"models": []string{"mock-*"}, "limits": map[string]int{"requests_per_hour": 10}},
	}, &st), http.StatusOK)
	is.Equal(st.Limits.RequestsPerDay, int64(3))
	is.Equal(chatStatus(t, base, "", "mock-1"), http.StatusOK) // anonymous access is on at once
	is.Equal(chatStatus(t, base, "", "mock-1"), http.StatusOK)
	is.Equal(chatStatus(t, base, "", "mock-1"), http.StatusOK)
	is.Equal(chatStatus(t, base, "", "mock-1"), http.StatusTooManyRequests) // the gateway-wide limit
}

// Request logs page with a cursor and filter by outcome, model and time.
func TestLogsOverHTTP(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	m, base := gatewayServer(t, map[string]string{})
	mockProvider(t, base)
	var a struct{ ID string }
	is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "a"}, &a), http.StatusCreated)
	var k struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+a.ID+"/keys", adminKey, map[string]any{}, &k), http.StatusCreated)
	start := time.Now().UTC().Add(-time.Second).Format(time.RFC3339)
	for range 3 {
		is.Equal(chatStatus(t, base, k.Key, "mock-1"), http.StatusOK)
	}
	is.Equal(chatStatus(t, base, k.Key, "nope"), http.StatusNotFound)
	is.NoErr(m.App().Recorder.Flush(context.Background()))

	type page struct {
		Data []struct {
			ID, Model, Code string
		}
		NextCursor string `json:"next_cursor"`
	}
	var seen []string
	url := base + "/admin/logs?limit=3&account_id=" + a.ID
	for range 5 {
		var p page
		is.Equal(call(t, "GET", url, adminKey, nil, &p), http.StatusOK)
		for _, r := range p.Data {
			seen = append(seen, r.ID)
		}
		if p.NextCursor == "" {
			break
		}
		url = base + "/admin/logs?limit=3&account_id=" + a.ID + "&cursor=" + p.NextCursor
	}
	is.Equal(len(seen), 4) // every record once, over two pages

	var ok, failed page
	is.Equal(call(t, "GET", base+"/v1/logs?status=ok&since="+start, k.Key, nil, &ok), http.StatusOK)
	is.Equal(len(ok.Data), 3)
	is.Equal(call(t, "GET", base+"/v1/logs?status=not_found&model=nope", k.Key, nil, &failed), http.StatusOK)
	is.Equal(len(failed.Data), 1)
	is.Equal(call(t, "GET", base+"/v1/logs?cursor=garbage", k.Key, nil, nil), http.StatusBadRequest)
	is.Equal(call(t, "GET", base+"/v1/logs?since=yesterday", k.Key, nil, nil), http.StatusBadRequest)
}
