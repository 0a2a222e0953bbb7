package webui_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

// call makes one chat request with key through the gateway and waits
// until the Recorder has written its record.
func call(t *testing.T, f *fixture, key string) {
	t.Helper()
	ctx := context.Background()
	c, err := f.gw.Authenticate(key, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.Chat(ctx, c, &gateway.ChatRequest{Model: "mock-1",
		Messages: []gateway.Message{{Role: "user", Content: gateway.TextContent("hi")}}}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		recs, err := f.admin.Records(ctx, gateway.RecordFilter{AccountID: c.Account.ID})
		if err == nil && len(recs) > 0 {
			return
		}
	}
	t.Fatal("the request was not recorded")
}

func TestAccountSeesOwnLogsOnly(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t, "secret", nil)
	p, err := f.admin.CreateProvider(ctx, &gateway.Provider{Name: "demo", Type: "mock", Models: []string{"mock-*"}})
	is.NoErr(err)
	_, err = f.admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Secret: "x"}})
	is.NoErr(err)
	mine, _ := f.admin.CreateAccount(ctx, &gateway.Account{Name: "mine"})
	theirs, _ := f.admin.CreateAccount(ctx, &gateway.Account{Name: "theirs"})
	_, myKey, err := f.admin.IssueKey(ctx, mine.ID, gateway.KeySpec{}, gateway.IssuedByAdmin)
	is.NoErr(err)
	_, theirKey, err := f.admin.IssueKey(ctx, theirs.ID, gateway.KeySpec{}, gateway.IssuedByAdmin)
	is.NoErr(err)
	call(t, f, myKey)
	call(t, f, theirKey)
	theirRecs, err := f.admin.Records(ctx, gateway.RecordFilter{AccountID: theirs.ID})
	is.NoErr(err)
	_, master, err := f.admin.IssueMasterKey(ctx, mine.ID)
	is.NoErr(err)

	b := f.browser(t)
	b.signIn(master)
	_, body := b.get("/ui/logs?account=" + url.QueryEscape(theirs.ID)) // the filter is ignored
	contains(t, body, mine.ID)
	is.True(!strings.Contains(body, theirs.ID))
	resp, _ := b.get("/ui/logs/" + theirRecs[0].ID)
	is.Equal(resp.StatusCode, http.StatusNotFound)

	admin := f.browser(t)
	admin.signIn(adminKey)
	resp, body = admin.get("/ui/logs/" + theirRecs[0].ID)
	is.Equal(resp.StatusCode, http.StatusOK)
	contains(t, body, `id="attempts"`)
}

func TestAccountIssuesOwnKey(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t, "secret", nil)
	mine, _ := f.admin.CreateAccount(ctx, &gateway.Account{Name: "mine"})
	_, master, err := f.admin.IssueMasterKey(ctx, mine.ID)
	is.NoErr(err)
	b := f.browser(t)
	b.signIn(master)
	resp, body := b.post("/ui/accounts/"+mine.ID+"/keys", url.Values{"name": {"ci"}})
	is.Equal(resp.StatusCode, http.StatusOK)
	contains(t, body, `id="issued-secret"`)
	keys, err := f.admin.Keys(ctx, mine.ID)
	is.NoErr(err)
	var issued *gateway.Key
	for _, k := range keys {
		if k.Name == "ci" {
			issued = k
		}
	}
	is.True(issued != nil)
	is.Equal(issued.IssuedBy, gateway.IssuedByAccount(mine.ID))
	_, again := b.get("/ui/accounts/" + mine.ID)
	is.True(!strings.Contains(again, `id="issued-secret"`)) // shown once

	// A limit above the account's shows beside its field.
	_, err = f.admin.UpdateAccount(ctx, mine.ID, gateway.AccountUpdate{Limits: &gateway.Limits{RequestsPerMinute: 10}})
	is.NoErr(err)
	resp, body = b.post("/ui/accounts/"+mine.ID+"/keys", url.Values{"name": {"big"}, "key.requests_per_minute": {"11"}})
	is.Equal(resp.StatusCode, http.StatusUnprocessableEntity)
	contains(t, body, `id="key.requests_per_minute-error"`)
}

func TestProviderForms(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "secret", nil)
	b := f.browser(t)
	b.signIn(adminKey)

	t.Run("FieldError", func(t *testing.T) {
		is := is.New(t)
		resp, body := b.post("/ui/providers", url.Values{"source": {"type:mock"}, "name": {"Not A Name!"}, "models": {"mock-*"}})
		is.Equal(resp.StatusCode, http.StatusUnprocessableEntity)
		contains(t, body, `id="name-error"`)
		contains(t, body, `value="Not A Name!"`) // what was typed stays
	})

	t.Run("ImportWithProgress", func(t *testing.T) {
		is := is.New(t)
		resp, _ := b.post("/ui/providers", url.Values{"source": {"type:mock"}, "name": {"pool"}, "models": {"mock-*"}})
		is.Equal(resp.StatusCode, http.StatusSeeOther)
		providerPath := strings.SplitN(resp.Header.Get("Location"), "?", 2)[0]
		resp, _ = b.post(providerPath+"/import", url.Values{"secrets": {"sk-1\nsk-2\n\nsk-2\nsk-3"}})
		is.Equal(resp.StatusCode, http.StatusSeeOther)
		job := resp.Header.Get("Location")
		var body string
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, body = b.get(job); strings.Contains(body, "finished") { // the page reloads itself until then
				break
			}
		}
		contains(t, body, "3 added, 1 duplicates, 1 blank")
		contains(t, body, `<progress max="100" value="100"`)
	})

	t.Run("Validate", func(t *testing.T) {
		is := is.New(t)
		ps, _ := f.admin.Providers(context.Background())
		path := "/ui/providers/" + ps[0].ID
		resp, _ := b.post(path+"/validate", nil)
		is.Equal(resp.StatusCode, http.StatusSeeOther)
		job := resp.Header.Get("Location")
		is.True(strings.HasPrefix(job, path+"/jobs/"))
		var body string
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, body = b.get(job); strings.Contains(body, "finished") {
				break
			}
		}
		contains(t, body, "3 of 3 valid")
	})

	t.Run("DisableAndHistory", func(t *testing.T) {
		is := is.New(t)
		ps, _ := f.admin.Providers(context.Background())
		cs, _ := f.admin.Credentials(context.Background(), ps[0].ID)
		resp, _ := b.post("/ui/credentials/"+cs[0].ID, url.Values{"action": {"disable"}})
		is.Equal(resp.StatusCode, http.StatusSeeOther)
		_, body := b.get("/ui/credentials/" + cs[0].ID + "?provider=" + ps[0].ID)
		contains(t, body, "disabled in the dashboard")
		resp, body = b.post("/ui/credentials/"+cs[0].ID, url.Values{"action": {"weight"}, "weight": {"-3"}})
		is.Equal(resp.StatusCode, http.StatusUnprocessableEntity)
		contains(t, body, "weight")
	})

	t.Run("DestructiveActionsAsk", func(t *testing.T) {
		ps, _ := f.admin.Providers(context.Background())
		_, body := b.get("/ui/providers/" + ps[0].ID)
		contains(t, body, `data-confirm="Remove provider`)
	})
}

func TestPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, "secret", nil)
	p, _ := f.admin.CreateProvider(ctx, &gateway.Provider{Name: "demo", Type: "mock", Models: []string{"mock-*"}})
	_, _ = f.admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Secret: "x"}})
	for i := range 30 {
		if _, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: fmt.Sprintf("team-%02d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	accts, _ := f.admin.Accounts(ctx)
	_, key, _ := f.admin.IssueKey(ctx, accts[0].ID, gateway.KeySpec{}, gateway.IssuedByAdmin)
	for range 27 {
		c, _ := f.gw.Authenticate(key, "127.0.0.1") // a caller per request: it carries the request's ID
		if _, err := f.gw.Chat(ctx, c, &gateway.ChatRequest{Model: "mock-1",
			Messages: []gateway.Message{{Role: "user", Content: gateway.TextContent("hi")}}}); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if recs, _ := f.admin.Records(ctx, gateway.RecordFilter{Limit: 100}); len(recs) == 27 {
			break
		}
	}
	b := f.browser(t)
	b.signIn(adminKey)
	rows := regexp.MustCompile(`<tr><td>`)
	next := regexp.MustCompile(`href="([^"]*)" rel="next"`)

	t.Run("Accounts", func(t *testing.T) {
		is := is.New(t)
		_, body := b.get("/ui/accounts?q=team")
		is.Equal(len(rows.FindAllString(body, -1)), 25)
		m := next.FindStringSubmatch(body)
		is.True(m != nil)
		is.Equal(html.UnescapeString(m[1]), "?q=team&status=&page=2")
		_, body = b.get("/ui/accounts" + html.UnescapeString(m[1]))
		is.Equal(len(rows.FindAllString(body, -1)), 5)
		is.True(next.FindStringSubmatch(body) == nil)
	})

	t.Run("Logs", func(t *testing.T) {
		is := is.New(t)
		_, body := b.get("/ui/logs?model=mock-1")
		is.Equal(len(rows.FindAllString(body, -1)), 25)
		m := next.FindStringSubmatch(body)
		is.True(m != nil)
		_, body = b.get(html.UnescapeString(m[1]))
		is.Equal(len(rows.FindAllString(body, -1)), 2)
		is.True(next.FindStringSubmatch(body) == nil)
	})
}

func TestAdminForms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, "secret", nil)
	p, _ := f.admin.CreateProvider(ctx, &gateway.Provider{Name: "demo", Type: "mock", Models: []string{"mock-*"}})
	b := f.browser(t)
	b.signIn(adminKey)

	for _, tc := range []struct {
		name, path string
		form       url.Values
		status     int
		want       string // in the answer (after a redirect, on the page it leads to)
	}{
		{"BindingFieldError", "/ui/routing/bindings", url.Values{"namespace": {"default"}, "model": {"mock-1"}, "weight": {"5000"}, "provider_id": {p.ID}},
			http.StatusUnprocessableEntity, `id="weight-error"`},
		{"Binding", "/ui/routing/bindings", url.Values{"namespace": {"default"}, "model": {"mock-1"}, "provider_id": {p.ID}},
			http.StatusSeeOther, "mock-1"},
		{"PolicyBadJSON", "/ui/routing/policies", url.Values{"policy_name": {"p"}, "rules": {"[{"}}, http.StatusUnprocessableEntity, `must be a JSON list`},
		{"PolicyBadName", "/ui/routing/policies", url.Values{"policy_name": {"Bad Name"}, "rules": {`[{"statuses":[429],"action":"next_credential"}]`}},
			http.StatusUnprocessableEntity, `id="policy_name-error"`},
		{"Policy", "/ui/routing/policies", url.Values{"policy_name": {"rl"}, "rules": {`[{"statuses":[429],"action":"retry","backoff":"1s"}]`}},
			http.StatusSeeOther, `&#34;backoff&#34;: &#34;1s&#34;`},
		{"ThresholdFieldError", "/ui/alerts/thresholds", url.Values{"error_rate_percent": {"200"}},
			http.StatusUnprocessableEntity, `id="error_rate_percent-error"`},
		{"Thresholds", "/ui/alerts/thresholds", url.Values{"error_rate_percent": {"20"}, "error_window": {"5m"}}, http.StatusSeeOther, `value="5m0s"`},
		{"SettingsGroupError", "/ui/settings", url.Values{"anonymous.models": {"mock-*"}}, http.StatusUnprocessableEntity, "anonymous access needs limits"},
		{"SettingsFieldError", "/ui/settings", url.Values{"limits.requests_per_minute": {"-1"}}, http.StatusUnprocessableEntity, `id="limits.requests_per_minute-error"`},
		{"Settings", "/ui/settings", url.Values{"anonymous.models": {"mock-*"}, "anonymous.limits.requests_per_minute": {"5"}}, http.StatusSeeOther, `value="mock-*"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			resp, body := b.post(tc.path, tc.form)
			is.Equal(resp.StatusCode, tc.status)
			if resp.StatusCode == http.StatusSeeOther {
				_, body = b.get(resp.Header.Get("Location"))
			}
			contains(t, body, tc.want)
		})
	}

	t.Run("AlertLifecycle", func(t *testing.T) {
		is := is.New(t)
		al, _, err := f.admin.ReportAlert(ctx, &gateway.Alert{Type: "error_rate", Title: "errors are up"})
		is.NoErr(err)
		for _, to := range []gateway.AlertStatus{gateway.AlertAcknowledged, gateway.AlertResolved, gateway.AlertDismissed} {
			resp, _ := b.post("/ui/alerts/"+al.ID+"/status", url.Values{"status": {string(to)}, "back": {"?status=open"}})
			is.Equal(resp.StatusCode, http.StatusSeeOther)
			got, _ := f.admin.Alert(ctx, al.ID)
			is.Equal(got.Status, to)
		}
		_, body := b.get("/ui/alerts?status=dismissed")
		contains(t, body, "errors are up")
	})
}
