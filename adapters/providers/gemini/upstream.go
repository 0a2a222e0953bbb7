// Package gemini is the gateway.Upstream for Google's Gemini models, in
// the two styles Google serves them:
//
//   - the Gemini API (Google AI Studio), the default: base URL
//     https://generativelanguage.googleapis.com/v1beta, paths
//     models/{model}:generateContent and the like, an API key in the
//     x-goog-api-key header;
//   - Vertex AI, when Provider.Options sets both "google_project" and
//     "google_location": base URL https://{location}-aiplatform.googleapis.com/v1
//     (https://aiplatform.googleapis.com/v1 for the "global" location),
//     paths projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent,
//     and the credential sent as "Authorization: Bearer <secret>".
//
// A Vertex AI credential's secret is an OAuth 2 access token, used as it
// is. Google's access tokens live an hour; exchanging a service account's
// JSON key (or workload identity) for fresh tokens is separate work this
// package does not do: something must keep the credential's secret
// current.
//
// An Upstream serves one gateway.Provider: it owns one tuned HTTP
// transport shared by every request, and each call names the
// gateway.Credential to authenticate with. It translates the canonical,
// OpenAI-shaped chat request to a GenerateContentRequest and the answer
// back (see toRequest and fromResponse), whole or streamed (alt=sse).
// Besides gateway.Upstream it implements gateway.Embedder
// (batchEmbedContents, or Vertex AI's predict), gateway.ModelLister,
// gateway.Authorizer, gateway.Forwarder and gateway.Metered.
//
// Provider.Options:
//
//	google_project   the Vertex AI project (with google_location)
//	google_location  the Vertex AI location: a region such as
//	                 "us-central1", or "global"
//	auth             how the credential is sent: "x-goog-api-key" (the
//	                 Gemini API's default), "bearer" (Vertex AI's
//	                 default; OAuth access tokens on either API) or
//	                 "query" (the key in the URL's key parameter, for
//	                 proxies that take nothing else; the Gemini API only)
//
// Provider.BaseURL replaces the default base URL of either style (it ends
// with the API version, as the defaults do); Provider.Headers are sent
// after the driver's own headers and override them.
package gemini

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/tollgate-ai/tollgate/adapters/providers/internal/httpx"
	"github.com/tollgate-ai/tollgate/gateway"
)

// DefaultBaseURL is the Gemini API's base URL, used when a Provider in
// that style has none.
const DefaultBaseURL = "https://generativelanguage.googleapis.com/v1beta"

var (
	_ gateway.Upstream    = (*Upstream)(nil)
	_ gateway.Embedder    = (*Upstream)(nil)
	_ gateway.ModelLister = (*Upstream)(nil)
	_ gateway.Authorizer  = (*Upstream)(nil)
	_ gateway.Forwarder   = (*Upstream)(nil)
	_ gateway.Metered     = (*Upstream)(nil)
)

// auth is how the credential is sent.
type auth int

const (
	authHeader auth = iota // x-goog-api-key
	authBearer             // Authorization: Bearer
	authQuery              // ?key=
)

// Upstream speaks Gemini's API for one provider. It is safe for concurrent
// use; build it once per provider with New (or through Driver), which the
// zero Upstream is not, and Close it when the provider goes away.
type Upstream struct {
	client *httpx.Client
	base   string // without a trailing slash; ends with the API version
	vertex bool
	// project and location are Vertex AI's, path-escaped.
	project, location string
	auth              auth
	// static holds Provider.Headers, set after the driver's own.
	static http.Header
}

var (
	locationName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	projectName  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)
)

// New returns an Upstream for p (see the package doc for its Options). An
// unparsable base URL, or one that is not an absolute http(s) URL without
// a query, is CodeInvalid with Field "base_url"; a google_project without
// a google_location (or the reverse), a location or project that is not a
// valid name, or an unknown auth is CodeInvalid naming the option
// ("options.google_location").
func New(p *gateway.Provider, cfg Config) (*Upstream, error) {
	up := &Upstream{static: make(http.Header)}
	project, location := p.Options["google_project"], p.Options["google_location"]
	switch {
	case project != "" && location == "":
		return nil, gateway.Invalid("options.google_location", "options.google_location is required with options.google_project (Vertex AI)")
	case project == "" && location != "":
		return nil, gateway.Invalid("options.google_project", "options.google_project is required with options.google_location (Vertex AI)")
	case project != "":
		if !projectName.MatchString(project) {
			return nil, gateway.Invalid("options.google_project", "options.google_project is not a valid project id")
		}
		if !locationName.MatchString(location) {
			return nil, gateway.Invalid("options.google_location", "options.google_location must be a location such as us-central1 or global")
		}
		up.vertex, up.project, up.location, up.auth = true, url.PathEscape(project), location, authBearer
	}
	switch strings.ToLower(strings.TrimSpace(p.Options["auth"])) {
	case "":
	case "x-goog-api-key":
		up.auth = authHeader
	case "bearer":
		up.auth = authBearer
	case "query":
		if up.vertex {
			return nil, gateway.Invalid("options.auth", "options.auth query is for the Gemini API, not Vertex AI")
		}
		up.auth = authQuery
	default:
		return nil, gateway.Invalid("options.auth", `options.auth must be "x-goog-api-key", "bearer" or "query"`)
	}
	base := p.BaseURL
	switch {
	case base != "":
	case up.vertex && location == "global":
		base = "https://aiplatform.googleapis.com/v1"
	case up.vertex:
		base = "https://" + location + "-aiplatform.googleapis.com/v1"
	default:
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, gateway.Invalid("base_url", "base_url must be an absolute http or https URL without a query")
	}
	up.base = strings.TrimRight(base, "/")
	for k, v := range p.Headers {
		up.static.Set(k, v)
	}
	cfg, err = cfg.ForProvider(p.Options)
	if err != nil {
		return nil, err
	}
	up.client = httpx.NewClient("gemini", cfg)
	return up, nil
}

// Driver returns a gateway.Driver that opens providers of type "gemini"
// with New(p, cfg).
func Driver(cfg Config) gateway.Driver {
	return gateway.DriverFunc(func(p *gateway.Provider) (gateway.Upstream, error) {
		u, err := New(p, cfg)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return u, nil
	})
}

// Close closes the idle connections of the Upstream's pool. Requests in
// flight are not interrupted. It always returns nil.
func (u *Upstream) Close() error {
	u.client.Close()
	return nil
}

// Authorize sets cred on an outgoing pass-through request the provider's
// way: the x-goog-api-key header (any key query parameter is replaced),
// Authorization: Bearer for Vertex AI or options.auth "bearer", or the key
// query parameter for options.auth "query". CodeInternal if cred is nil.
func (u *Upstream) Authorize(req *http.Request, cred *gateway.Credential) error {
	if cred == nil {
		return errNoCredential()
	}
	secret := cred.Secret.Reveal()
	q := req.URL.Query()
	if q.Has("key") || u.auth == authQuery {
		q.Del("key")
		if u.auth == authQuery {
			q.Set("key", secret)
		}
		req.URL.RawQuery = q.Encode()
	}
	u.setAuth(req.Header, secret)
	return nil
}

// Forward sends a pass-through request (gateway.Forwarder) to the root the
// provider's SDK uses: the base URL without its API version
// (https://generativelanguage.googleapis.com), as google.golang.org/genai
// and the other SDKs put the version in the path. Errors are transport
// failures only, mapped as for Chat.
func (u *Upstream) Forward(ctx context.Context, cred *gateway.Credential, req *http.Request) (*http.Response, error) {
	if cred == nil {
		return nil, errNoCredential()
	}
	req = req.WithContext(ctx)
	if err := u.Authorize(req, cred); err != nil {
		return nil, err
	}
	return u.client.Forward(u.root(), req, cred.Secret.Reveal())
}

// root is the base URL without its last path segment, the API version.
func (u *Upstream) root() string {
	if i := strings.LastIndexByte(u.base, '/'); i > len("https://") {
		return u.base[:i]
	}
	return u.base
}

// setAuth puts the secret in h as the provider expects it (nothing for
// authQuery, whose key goes in the URL).
func (u *Upstream) setAuth(h http.Header, secret string) {
	switch u.auth {
	case authBearer:
		h["Authorization"] = []string{"Bearer " + secret}
	case authHeader:
		h["X-Goog-Api-Key"] = []string{secret}
	}
}

// errNoCredential reports a call without a credential, a bug in the caller.
func errNoCredential() error { return gateway.Internal(errors.New("gemini: nil credential")) }

// do sends one request with cred to target (built by url, so the secret is
// in it with authQuery) and returns the response if its status is 2xx;
// every error is a *gateway.Error (see httpx.Client.Do and statusError).
func (u *Upstream) do(ctx context.Context, method, target string, body []byte, cred *gateway.Credential, accept string) (*httpx.Call, error) {
	if cred == nil {
		return nil, errNoCredential()
	}
	secret := cred.Secret.Reveal()
	if u.auth == authQuery {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "key=" + url.QueryEscape(secret)
	}
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	} else {
		req, err = http.NewRequestWithContext(ctx, method, target, nil)
	}
	if err != nil {
		return nil, gateway.Internal(errors.New(httpx.Redact(err.Error(), secret)))
	}
	h := req.Header
	u.setAuth(h, secret)
	if body != nil {
		h["Content-Type"] = []string{"application/json"}
	}
	h["Accept"] = []string{accept}
	for k, v := range u.static {
		h[k] = v
	}
	return u.client.Do(req, secret, statusError)
}
