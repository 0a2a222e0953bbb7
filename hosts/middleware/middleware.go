// Package middleware mounts Tollgate inside an existing Go HTTP service:
// New returns a func(http.Handler) http.Handler that serves Tollgate's
// API under a mount path and hands every other request to the service's
// own handler.
//
// The service keeps its own authentication if it likes: an Authenticator
// maps its users or sessions to Tollgate accounts (through
// gateway.Gateway.CallerFor), so they get limits, billing, routing and
// logs without Tollgate keys. For calls from Go code with no HTTP in
// between, use the Gateway directly (gw.Chat, gw.ChatStream) with a
// caller from CallerFor.
//
// WithUI adds Tollgate's admin dashboard (adapters/webui) under the mount
// path: /llm/ui with WithMountPath("/llm").
package middleware

import (
	"net/http"
	"strings"

	"github.com/tollgate-ai/tollgate/adapters/httpapi"
	"github.com/tollgate-ai/tollgate/adapters/webui"
	"github.com/tollgate-ai/tollgate/gateway"
)

// Surface is a part of Tollgate's API (httpapi.Surface).
type Surface = httpapi.Surface

// The surfaces New can expose.
const (
	OpenAI      = httpapi.SurfaceOpenAI
	Anthropic   = httpapi.SurfaceAnthropic
	PassThrough = httpapi.SurfacePassThrough
	Admin       = httpapi.SurfaceAdmin
)

// Authenticator maps a request to a caller, or returns nil (and no
// error) to let Tollgate keys decide; an error refuses the request with
// its status (a *gateway.Error's code, else 500).
type Authenticator func(*http.Request) (*gateway.Caller, error)

type options struct {
	mount    string
	surfaces Surface
	api      httpapi.Config
	ui       *webui.Config
}

// Option configures New.
type Option func(*options)

// WithMountPath serves Tollgate under path ("/llm": /llm/v1/chat/completions).
// Default "/" (Tollgate's own paths: /v1, /admin, /proxy).
func WithMountPath(path string) Option {
	return func(o *options) { o.mount = "/" + strings.Trim(path, "/") }
}

// WithSurfaces exposes only these surfaces (OpenAI | Anthropic, say).
// Default OpenAI, Anthropic and PassThrough: the admin API is left out
// unless asked for.
func WithSurfaces(s Surface) Option { return func(o *options) { o.surfaces = s } }

// WithAuthenticator maps the service's own users to Tollgate callers.
func WithAuthenticator(a Authenticator) Option {
	return func(o *options) { o.api.Authenticate = a }
}

// WithAdminKeyDigest switches the admin surface's key on
// (gateway.Admin.KeyDigest of the admin key); without it the admin API
// refuses every request.
func WithAdminKeyDigest(digest string) Option {
	return func(o *options) { o.api.AdminKeyDigest = digest }
}

// WithUI serves the admin dashboard too, at the mount path plus
// cfg.Prefix (default "/ui"): the admin signs in with the key whose digest
// is cfg.AdminKeyDigest, an account with its master key. Give
// cfg.SessionSecret so that sessions outlive a restart and work on every
// instance. Without WithUI no dashboard is served.
func WithUI(cfg webui.Config) Option {
	return func(o *options) { o.ui = &cfg }
}

// WithMaxBodyBytes bounds request bodies. Default 16 MiB.
func WithMaxBodyBytes(n int64) Option { return func(o *options) { o.api.MaxBodyBytes = n } }

// New returns middleware that serves Tollgate's API for gw under the mount
// path and passes every other request to the handler it wraps.
func New(gw *gateway.Gateway, opts ...Option) func(http.Handler) http.Handler {
	o := options{mount: "/", surfaces: OpenAI | Anthropic | PassThrough}
	for _, opt := range opts {
		opt(&o)
	}
	o.api.Surfaces = o.surfaces
	api := httpapi.New(o.api, gw, gateway.NewAdmin(gw))
	prefixes := tollgatePrefixes(o.surfaces)
	var ui *webui.UI
	if o.ui != nil {
		cfg := *o.ui
		if cfg.Prefix == "" {
			cfg.Prefix = webui.DefaultPrefix
		}
		// The dashboard writes its links with its full prefix, so it gets
		// requests as they came, mount path included.
		cfg.Prefix = strings.TrimSuffix(o.mount, "/") + "/" + strings.Trim(cfg.Prefix, "/")
		ui = webui.New(cfg, gw, gateway.NewAdmin(gw))
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ui != nil && ui.Owns(r.URL.Path) {
				ui.ServeHTTP(w, r)
				return
			}
			rest, ok := strings.CutPrefix(r.URL.Path, strings.TrimSuffix(o.mount, "/"))
			if !ok || !ours(rest, prefixes) {
				next.ServeHTTP(w, r)
				return
			}
			r2 := r.Clone(r.Context())
			r2.URL.Path = rest
			r2.URL.RawPath = ""
			api.ServeHTTP(w, r2)
		})
	}
}

// tollgatePrefixes are the paths the surfaces serve.
func tollgatePrefixes(s Surface) []string {
	var out []string
	if s&OpenAI != 0 || s&Anthropic != 0 {
		out = append(out, "/v1/")
	}
	if s&PassThrough != 0 {
		out = append(out, "/proxy/")
	}
	if s&Admin != 0 {
		out = append(out, "/admin/", "/internal/")
	}
	return out
}

func ours(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
