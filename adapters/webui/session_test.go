package webui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

func TestSignIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "secret-one", nil)

	t.Run("AdminKey", func(t *testing.T) {
		is := is.New(t)
		b := f.browser(t)
		b.signIn(adminKey)
		resp, body := b.get("/ui/overview")
		is.Equal(resp.StatusCode, http.StatusOK)
		contains(t, body, "Open circuit breakers")
		resp, _ = b.get("/ui/login") // signed in: sent on to the overview
		is.Equal(resp.StatusCode, http.StatusSeeOther)
		b.get("/ui/login")
		b.csrf = ""
		r2, _ := b.c.PostForm(f.srv.URL+"/ui/login", url.Values{"key": {adminKey}})
		_ = r2.Body.Close()
		is.Equal(r2.StatusCode, http.StatusForbidden) // no CSRF token on the sign-in form
	})

	t.Run("CookieAttributes", func(t *testing.T) {
		is := is.New(t)
		b := f.browser(t)
		b.get("/ui/login")
		resp, err := b.c.PostForm(f.srv.URL+"/ui/login", url.Values{"key": {adminKey}, "csrf": {b.csrf}})
		is.NoErr(err)
		_ = resp.Body.Close()
		var c *http.Cookie
		for _, x := range resp.Cookies() {
			if x.Name == "tollgate_ui" {
				c = x
			}
		}
		is.True(c != nil)
		is.True(c.HttpOnly)
		is.Equal(c.SameSite, http.SameSiteStrictMode)
		is.Equal(c.Path, "/ui")
		is.True(!c.Secure) // plain HTTP here; Secure over TLS

		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/ui/login", nil)
		req.Header.Set("X-Forwarded-Proto", "https") // TLS ended at a proxy
		resp, err = http.DefaultClient.Do(req)
		is.NoErr(err)
		_ = resp.Body.Close()
		is.True(len(resp.Cookies()) > 0)
		is.True(resp.Cookies()[0].Secure)
	})

	t.Run("Throttled", func(t *testing.T) {
		is := is.New(t)
		g := newFixture(t, "secret-one", nil) // a fresh throttle
		b := g.browser(t)
		b.get("/ui/login")
		status := 0
		for range 11 {
			resp, _ := b.post("/ui/login", url.Values{"key": {"tg-guess"}})
			status = resp.StatusCode
		}
		is.Equal(status, http.StatusTooManyRequests)
	})

	t.Run("WrongKey", func(t *testing.T) {
		is := is.New(t)
		b := f.browser(t)
		b.get("/ui/login")
		resp, body := b.post("/ui/login", url.Values{"key": {"tg-not-a-key"}})
		is.Equal(resp.StatusCode, http.StatusUnauthorized)
		contains(t, body, `id="key-error"`)
		resp, _ = b.get("/ui/overview")
		is.Equal(resp.StatusCode, http.StatusSeeOther)
		is.True(strings.HasPrefix(resp.Header.Get("Location"), "/ui/login"))
	})
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "secret-one", nil)
	b := f.browser(t)
	b.signIn(adminKey)

	t.Run("NoToken", func(t *testing.T) {
		is := is.New(t)
		resp, _ := b.post("/ui/accounts", url.Values{"name": {"nope"}, "csrf": {""}})
		is.Equal(resp.StatusCode, http.StatusForbidden)
		accts, err := f.admin.Accounts(context.Background())
		is.NoErr(err)
		is.Equal(len(accts), 0) // nothing was created
	})

	t.Run("WrongToken", func(t *testing.T) {
		is := is.New(t)
		resp, _ := b.post("/ui/accounts", url.Values{"name": {"nope"}, "csrf": {"forged"}})
		is.Equal(resp.StatusCode, http.StatusForbidden)
	})

	t.Run("ForeignOrigin", func(t *testing.T) {
		is := is.New(t)
		req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/ui/accounts", strings.NewReader(url.Values{"name": {"x"}, "csrf": {b.csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		resp, err := b.c.Do(req)
		is.NoErr(err)
		_ = resp.Body.Close()
		is.Equal(resp.StatusCode, http.StatusForbidden)
	})

	t.Run("WithToken", func(t *testing.T) {
		is := is.New(t)
		resp, _ := b.post("/ui/accounts", url.Values{"name": {"team-a"}})
		is.Equal(resp.StatusCode, http.StatusSeeOther)
		is.True(strings.HasPrefix(resp.Header.Get("Location"), "/ui/accounts/acc_"))
	})

	t.Run("FieldError", func(t *testing.T) {
		is := is.New(t)
		resp, body := b.post("/ui/accounts", url.Values{"name": {""}})
		is.Equal(resp.StatusCode, http.StatusUnprocessableEntity)
		contains(t, body, `id="name-error"`) // the API's message beside the field
	})
}

func TestSessionSignedWithAnotherSecret(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	mine := newFixture(t, "secret-one", nil)
	other := newFixture(t, "secret-two", nil)
	ob := other.browser(t)
	ob.signIn(adminKey) // the same admin key, another secret
	forged := ob.cookie()
	is.True(forged != "")

	req, _ := http.NewRequest(http.MethodGet, mine.srv.URL+"/ui/overview", nil)
	req.AddCookie(&http.Cookie{Name: "tollgate_ui", Value: forged})
	b := mine.browser(t)
	resp, err := b.c.Do(req)
	is.NoErr(err)
	_ = resp.Body.Close()
	is.Equal(resp.StatusCode, http.StatusSeeOther) // to the sign-in page
	is.True(strings.HasPrefix(resp.Header.Get("Location"), "/ui/login"))

	// A tampered payload fails too.
	payload, sig, _ := strings.Cut(forged, ".")
	req, _ = http.NewRequest(http.MethodGet, mine.srv.URL+"/ui/overview", nil)
	req.AddCookie(&http.Cookie{Name: "tollgate_ui", Value: payload + "x." + sig})
	resp, err = b.c.Do(req)
	is.NoErr(err)
	_ = resp.Body.Close()
	is.Equal(resp.StatusCode, http.StatusSeeOther)
}

func TestLogout(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t, "secret-one", nil)
	b := f.browser(t)
	b.signIn(adminKey)
	copied := b.cookie()
	is.True(copied != "")

	resp, _ := b.post("/ui/logout", nil)
	is.Equal(resp.StatusCode, http.StatusSeeOther)
	is.Equal(resp.Header.Get("Location"), "/ui/login")
	is.Equal(b.cookie(), "") // the browser dropped it
	resp, _ = b.get("/ui/overview")
	is.Equal(resp.StatusCode, http.StatusSeeOther)

	// A copy of the signed-out cookie is refused too.
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/ui/overview", nil)
	req.AddCookie(&http.Cookie{Name: "tollgate_ui", Value: copied})
	resp, err := b.c.Do(req)
	is.NoErr(err)
	_ = resp.Body.Close()
	is.Equal(resp.StatusCode, http.StatusSeeOther)
}

func TestAccountScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, "secret-one", nil)
	mine, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "theirs"})
	if err != nil {
		t.Fatal(err)
	}
	theirKey, _, err := f.admin.IssueKey(ctx, theirs.ID, gateway.KeySpec{Name: "their-key"}, gateway.IssuedByAdmin)
	if err != nil {
		t.Fatal(err)
	}
	master, secret, err := f.admin.IssueMasterKey(ctx, mine.ID)
	if err != nil {
		t.Fatal(err)
	}
	b := f.browser(t)
	b.signIn(secret)

	for _, tc := range []struct {
		name, method, path string
		want               int
	}{
		{"OwnAccount", "GET", "/ui/accounts/" + mine.ID, http.StatusOK},
		{"OwnLogs", "GET", "/ui/logs", http.StatusOK},
		{"Overview", "GET", "/ui/overview", http.StatusOK},
		{"OtherAccount", "GET", "/ui/accounts/" + theirs.ID, http.StatusNotFound},
		{"OtherAccountIssueKey", "POST", "/ui/accounts/" + theirs.ID + "/keys", http.StatusNotFound},
		{"OtherAccountRevokeKey", "POST", "/ui/accounts/" + theirs.ID + "/keys/" + theirKey.ID + "/revoke", http.StatusNotFound},
		{"OtherKeyThroughOwnAccount", "POST", "/ui/accounts/" + mine.ID + "/keys/" + theirKey.ID + "/revoke", http.StatusNotFound},
		{"GrantCredits", "POST", "/ui/accounts/" + mine.ID + "/credits", http.StatusForbidden},
		{"AccountsList", "GET", "/ui/accounts", http.StatusForbidden},
		{"Providers", "GET", "/ui/providers", http.StatusForbidden},
		{"Alerts", "GET", "/ui/alerts", http.StatusForbidden},
		{"Routing", "GET", "/ui/routing", http.StatusForbidden},
		{"Settings", "GET", "/ui/settings", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var resp *http.Response
			if tc.method == "GET" {
				resp, _ = b.get(tc.path)
			} else {
				resp, _ = b.post(tc.path, url.Values{"name": {"x"}, "amount": {"1"}, "reason": {"a good reason"}})
			}
			if resp.StatusCode != tc.want {
				t.Fatalf("%s %s: status %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
			}
		})
	}

	t.Run("OtherKeyStillActive", func(t *testing.T) {
		is := is.New(t)
		keys, err := f.admin.Keys(ctx, theirs.ID)
		is.NoErr(err)
		is.Equal(len(keys), 1)
		is.Equal(keys[0].Status, gateway.StatusActive)
	})

	t.Run("RevokedMasterKeyEndsSession", func(t *testing.T) {
		is := is.New(t)
		_, err := f.admin.RevokeKey(ctx, master.ID)
		is.NoErr(err)
		resp, _ := b.get("/ui/accounts/" + mine.ID)
		is.Equal(resp.StatusCode, http.StatusSeeOther)
	})
}

func TestAdminPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "secret-one", nil)
	b := f.browser(t)
	b.signIn(adminKey)
	for _, path := range []string{"/ui/overview?range=7d", "/ui/providers", "/ui/accounts", "/ui/logs", "/ui/alerts", "/ui/routing", "/ui/settings"} {
		if resp, body := b.get(path); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
		}
	}
	if resp, _ := b.get("/ui/static/vendor/uplot/uPlot.iife.min.js"); resp.StatusCode != http.StatusOK {
		t.Fatalf("uPlot: %d", resp.StatusCode)
	}
	if resp, body := b.get("/ui/no-such-page"); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "There is no such page") {
		t.Fatalf("unknown page: %d", resp.StatusCode)
	}
}
