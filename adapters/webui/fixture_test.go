package webui_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/adapters/providers/mock"
	"github.com/tollgate-ai/tollgate/adapters/webui"
	"github.com/tollgate-ai/tollgate/gateway"
)

const adminKey = "tg-admin-key-for-tests"

// fixture is a gateway on the memory Store and Cache with the mock
// driver, and its dashboard on a test server.
type fixture struct {
	srv   *httptest.Server
	gw    *gateway.Gateway
	admin *gateway.Admin
}

// newFixture starts a gateway and serves its dashboard (under /ui) and,
// when api is set, api for every other path.
func newFixture(t *testing.T, secret string, api func(*gateway.Gateway, *gateway.Admin) http.Handler) *fixture {
	t.Helper()
	ctx := context.Background()
	store, cache := memory.NewStore(), memory.NewCache(nil)
	t.Cleanup(cache.Close)
	h, err := gateway.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	rec := gateway.NewRecorder(gateway.RecorderConfig{Interval: 50 * time.Millisecond}, store)
	gw := gateway.New(gateway.Config{}, store, cache, gateway.Drivers{"mock": mock.Driver()}, h,
		gateway.SystemClock{}, gateway.RandomIDs{}, rec)
	if err := gw.Start(ctx); err != nil {
		t.Fatal(err)
	}
	admin := gateway.NewAdmin(gw)
	ui := webui.New(webui.Config{AdminKeyDigest: admin.KeyDigest(adminKey), SessionSecret: []byte(secret)}, gw, admin)
	var handler http.Handler = ui
	if api != nil {
		rest := api(gw, admin)
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ui.Owns(r.URL.Path) {
				ui.ServeHTTP(w, r)
				return
			}
			rest.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(func() {
		srv.Close()
		_ = gw.Close()
		_ = rec.Close(ctx)
	})
	return &fixture{srv: srv, gw: gw, admin: admin}
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see them.
type browser struct {
	t    *testing.T
	f    *fixture
	c    *http.Client
	csrf string
}

func (f *fixture) browser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, f: f, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches a page and keeps its CSRF token.
func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.f.srv.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.read(resp)
}

// post submits a form with the last CSRF token seen (unless the form
// sets "csrf" itself).
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	resp, err := b.c.PostForm(b.f.srv.URL+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.read(resp)
}

func (b *browser) read(resp *http.Response) (*http.Response, string) {
	b.t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if m := csrfField.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp, string(body)
}

// signIn signs in with key and fails the test unless it worked.
func (b *browser) signIn(key string) {
	b.t.Helper()
	b.get("/ui/login")
	resp, body := b.post("/ui/login", url.Values{"key": {key}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign in: status %d: %s", resp.StatusCode, body)
	}
	b.get("/ui/overview") // a session CSRF token
}

// cookie returns the value of the session cookie in the jar.
func (b *browser) cookie() string {
	u, _ := url.Parse(b.f.srv.URL + "/ui/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "tollgate_ui" {
			return c.Value
		}
	}
	return ""
}

func contains(t *testing.T, body, want string) {
	t.Helper()
	if !strings.Contains(body, want) {
		t.Fatalf("page does not contain %q:\n%s", want, body)
	}
}
