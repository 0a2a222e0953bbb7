package webui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// DefaultPrefix is where the dashboard is served when Config.Prefix is
// empty.
const DefaultPrefix = "/ui"

// DefaultSessionTTL is how long a session lasts when Config.SessionTTL is
// zero.
const DefaultSessionTTL = 12 * time.Hour

// Config tunes the dashboard. Zero fields take the documented defaults.
type Config struct {
	// AdminKeyDigest is the digest (gateway.Admin.KeyDigest) of the admin
	// key; empty switches admin sign-in off (accounts may still sign in).
	AdminKeyDigest string
	// SessionSecret keys session cookies and CSRF tokens. Instances given
	// the same secret accept each other's sessions. Empty makes a random
	// one at New: sessions then end when the process does.
	SessionSecret []byte
	// Prefix is the path the dashboard is served under, not "/". Default
	// "/ui".
	Prefix string
	// SecureCookies marks cookies Secure whatever the request says; by
	// default they are Secure when the request came over TLS, or through
	// a proxy that sent X-Forwarded-Proto: https.
	SecureCookies bool
	// SessionTTL is how long a session lasts. Default 12h.
	SessionTTL time.Duration
	// Logger receives errors that are not the user's. Default
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock of sessions and of the pages' time ranges. Default
	// time.Now.
	Now func() time.Time
}

// UI serves the dashboard. It is an http.Handler, safe for concurrent
// use; build it with New.
type UI struct {
	cfg     Config
	gw      *gateway.Gateway
	admin   *gateway.Admin
	key     []byte // the session HMAC key
	pages   map[string]*template.Template
	mux     *http.ServeMux
	jobs    jobs
	signIns throttle
	ended   endedSessions
}

// New returns the dashboard of gw and its admin.
func New(cfg Config, gw *gateway.Gateway, admin *gateway.Admin) *UI {
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	cfg.Prefix = "/" + strings.Trim(cfg.Prefix, "/")
	if cfg.Prefix == "/" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	secret := cfg.SessionSecret
	if len(secret) == 0 {
		secret = []byte(rand.Text())
		cfg.Logger.Warn("webui: no session secret configured; sessions end when the process does")
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("tollgate webui session\x00"))
	m.Write([]byte(cfg.AdminKeyDigest))
	u := &UI{cfg: cfg, gw: gw, admin: admin, key: m.Sum(nil), mux: http.NewServeMux()}
	u.pages = parsePages(cfg.Prefix)
	u.routes()
	return u
}

// routes registers every page, relative to the prefix.
func (u *UI) routes() {
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServer(http.FS(static))
	u.mux.Handle("GET /static/", http.StripPrefix("/static", cacheFor(files)))
	u.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		u.fail(w, r, u.session(r), http.StatusNotFound, "There is no such page.")
	})
	u.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { u.redirect(w, r, "/overview") })
	u.mux.HandleFunc("GET /login", u.loginPage)
	u.mux.HandleFunc("POST /login", u.login)
	u.mux.HandleFunc("POST /logout", u.signedIn(u.logout))

	u.mux.HandleFunc("GET /overview", u.signedIn(u.overview))

	u.mux.HandleFunc("GET /providers", u.adminOnly(u.providers))
	u.mux.HandleFunc("POST /providers", u.adminOnly(u.createProvider))
	u.mux.HandleFunc("GET /providers/{id}", u.adminOnly(u.provider))
	u.mux.HandleFunc("POST /providers/{id}", u.adminOnly(u.updateProvider))
	u.mux.HandleFunc("POST /providers/{id}/status", u.adminOnly(u.providerStatus))
	u.mux.HandleFunc("POST /providers/{id}/unpin", u.adminOnly(u.unpinProvider))
	u.mux.HandleFunc("POST /providers/{id}/credentials/delete", u.adminOnly(u.deleteCredentialsIn))
	u.mux.HandleFunc("POST /providers/{id}/delete", u.adminOnly(u.deleteProvider))
	u.mux.HandleFunc("POST /providers/{id}/credentials", u.adminOnly(u.addCredential))
	u.mux.HandleFunc("POST /providers/{id}/validate", u.adminOnly(u.validateProvider))
	u.mux.HandleFunc("POST /providers/{id}/import", u.adminOnly(u.startImport))
	u.mux.HandleFunc("GET /providers/{id}/jobs/{job}", u.adminOnly(u.jobProgress))
	u.mux.HandleFunc("GET /credentials/{id}", u.adminOnly(u.credentialHistory))
	u.mux.HandleFunc("POST /credentials/{id}", u.adminOnly(u.updateCredential))
	u.mux.HandleFunc("POST /credentials/{id}/delete", u.adminOnly(u.deleteCredential))
	u.mux.HandleFunc("POST /credentials/{id}/pin", u.adminOnly(u.pinCredential))

	u.mux.HandleFunc("GET /accounts", u.adminOnly(u.accounts))
	u.mux.HandleFunc("POST /accounts", u.adminOnly(u.createAccount))
	u.mux.HandleFunc("GET /accounts/{id}", u.signedIn(u.account))
	u.mux.HandleFunc("POST /accounts/{id}/keys", u.signedIn(u.issueKey))
	u.mux.HandleFunc("POST /accounts/{id}/keys/{key}/revoke", u.signedIn(u.revokeKey))
	u.mux.HandleFunc("POST /accounts/{id}/keys/revoke-all", u.signedIn(u.revokeAllKeys))
	u.mux.HandleFunc("POST /accounts/{id}", u.adminOnly(u.updateAccount))
	u.mux.HandleFunc("POST /accounts/{id}/credits", u.adminOnly(u.grantCredits))
	u.mux.HandleFunc("POST /accounts/{id}/master", u.adminOnly(u.issueMaster))

	u.mux.HandleFunc("GET /logs", u.signedIn(u.logs))
	u.mux.HandleFunc("GET /logs/{id}", u.signedIn(u.logEntry))

	u.mux.HandleFunc("GET /alerts", u.adminOnly(u.alerts))
	u.mux.HandleFunc("POST /alerts/{id}/status", u.adminOnly(u.alertStatus))
	u.mux.HandleFunc("POST /alerts/thresholds", u.adminOnly(u.putThresholds))

	u.mux.HandleFunc("GET /routing", u.adminOnly(u.routing))
	u.mux.HandleFunc("POST /routing/bindings", u.adminOnly(u.createBinding))
	u.mux.HandleFunc("POST /routing/bindings/{id}/delete", u.adminOnly(u.deleteBinding))
	u.mux.HandleFunc("POST /routing/policies", u.adminOnly(u.putPolicy))
	u.mux.HandleFunc("POST /routing/policies/{name}/delete", u.adminOnly(u.deletePolicy))

	u.mux.HandleFunc("GET /settings", u.adminOnly(u.settings))
	u.mux.HandleFunc("POST /settings", u.adminOnly(u.putSettings))
}

// ServeHTTP serves the dashboard's paths (those under the prefix) and
// answers 404 to any other.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, u.cfg.Prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		http.NotFound(w, r)
		return
	}
	if rest == "" {
		http.Redirect(w, r, u.cfg.Prefix+"/", http.StatusSeeOther)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = rest, ""
	h := w.Header()
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'")
	if r.Method == http.MethodPost {
		r2.Body = http.MaxBytesReader(w, r.Body, 8<<20)
	}
	u.mux.ServeHTTP(w, r2)
}

// Prefix reports the path the dashboard is served under ("/ui").
func (u *UI) Prefix() string { return u.cfg.Prefix }

// Owns reports whether path is the dashboard's: the prefix or under it.
// Hosts route on it.
func (u *UI) Owns(path string) bool {
	rest, ok := strings.CutPrefix(path, u.cfg.Prefix)
	return ok && (rest == "" || rest[0] == '/')
}

// redirect sends the browser to a dashboard path after a POST (303).
func (u *UI) redirect(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, u.cfg.Prefix+path, http.StatusSeeOther)
}

// cacheFor lets browsers keep static files for an hour, and lists no
// directory.
func cacheFor(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}
