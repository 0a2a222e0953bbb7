// Package anthropic is the gateway.Upstream for Anthropic's Messages API.
//
// An Upstream serves one gateway.Provider: it owns one tuned HTTP
// transport shared by every request, and each call names the
// gateway.Credential to authenticate with. It translates the canonical,
// OpenAI-shaped chat request to a Messages request and the answer back
// (see toRequest and fromResponse for the mapping), whole or streamed.
// Besides gateway.Upstream it implements gateway.ModelLister,
// gateway.Authorizer, gateway.Forwarder and gateway.Metered; Anthropic has
// no embeddings.
package anthropic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tollgate-ai/tollgate/adapters/providers/internal/httpx"
	"github.com/tollgate-ai/tollgate/gateway"
)

// Defaults of the Provider settings.
const (
	// DefaultBaseURL is the base URL used when a Provider has none.
	DefaultBaseURL = "https://api.anthropic.com"
	// DefaultVersion is the anthropic-version header sent when
	// Provider.Options has no "version".
	DefaultVersion = "2023-06-01"
	// DefaultMaxTokens is the max_tokens sent when neither the request
	// nor Provider.Options "max_tokens" gives one: Anthropic requires it.
	DefaultMaxTokens = 4096
)

var (
	_ gateway.Upstream    = (*Upstream)(nil)
	_ gateway.ModelLister = (*Upstream)(nil)
	_ gateway.Authorizer  = (*Upstream)(nil)
	_ gateway.Metered     = (*Upstream)(nil)
)

// Upstream speaks Anthropic's API for one provider. It is safe for
// concurrent use; build it once per provider with New (or through
// Driver), which the zero Upstream is not, and Close it when the provider
// goes away.
type Upstream struct {
	client      *httpx.Client
	base        string // without a trailing "/" or "/v1"
	messagesURL string
	modelsURL   string
	version     string
	bearer      bool // authenticate with Authorization: Bearer (OAuth tokens)
	maxTokens   int
	beta        string
	// static holds anthropic-version, anthropic-beta and then
	// Provider.Headers, set after the credential.
	static http.Header
	// headers holds Provider.Headers alone, for pass-through requests.
	headers http.Header
}

// New returns an Upstream for p. An empty p.BaseURL means DefaultBaseURL;
// a trailing "/v1" is dropped, as the API's paths start with it. An
// unparsable base URL, or one that is not an absolute http(s) URL, is
// CodeInvalid with Field "base_url".
//
// p.Options: "version" is the anthropic-version header (DefaultVersion);
// "beta" the anthropic-beta header (none); "max_tokens" the max_tokens of
// requests that give none (DefaultMaxTokens; a positive integer, else
// CodeInvalid with Field "options.max_tokens"); "auth" is "x-api-key"
// (the default: the credential goes in the x-api-key header) or "bearer"
// (Authorization: Bearer, for OAuth access tokens), else CodeInvalid with
// Field "options.auth". p.Headers are sent after the driver's own headers
// and override them.
func New(p *gateway.Provider, cfg Config) (*Upstream, error) {
	base := p.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, gateway.Invalid("base_url", "base_url must be an absolute http or https URL")
	}
	base = strings.TrimSuffix(strings.TrimRight(base, "/"), "/v1")

	up := &Upstream{version: DefaultVersion, maxTokens: DefaultMaxTokens, static: make(http.Header), headers: make(http.Header)}
	if v := p.Options["version"]; v != "" {
		up.version = v
	}
	if v := p.Options["max_tokens"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, gateway.Invalid("options.max_tokens", "options.max_tokens must be a positive integer")
		}
		up.maxTokens = n
	}
	switch strings.ToLower(p.Options["auth"]) {
	case "", "x-api-key":
	case "bearer":
		up.bearer = true
	default:
		return nil, gateway.Invalid("options.auth", `options.auth must be "x-api-key" or "bearer"`)
	}
	up.static.Set("anthropic-version", up.version)
	if up.beta = p.Options["beta"]; up.beta != "" {
		up.static.Set("anthropic-beta", up.beta)
	}
	for k, v := range p.Headers {
		up.static.Set(k, v)
		up.headers.Set(k, v)
	}
	cfg, err = cfg.ForProvider(p.Options)
	if err != nil {
		return nil, err
	}
	up.client = httpx.NewClient("anthropic", cfg)
	up.base = base
	up.messagesURL = base + "/v1/messages"
	up.modelsURL = base + "/v1/models"
	return up, nil
}

// Driver returns a gateway.Driver that opens providers of type
// "anthropic" with New(p, cfg).
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

// Authorize sets cred on an outgoing pass-through request the way the
// provider is configured (x-api-key, or Authorization: Bearer), and sets
// anthropic-version when the request has none, since the API refuses a
// request without it. CodeInternal if cred is nil.
func (u *Upstream) Authorize(req *http.Request, cred *gateway.Credential) error {
	if cred == nil {
		return errNoCredential()
	}
	u.setAuth(req.Header, cred.Secret.Reveal())
	if req.Header.Get("anthropic-version") == "" {
		req.Header.Set("anthropic-version", u.version)
	}
	return nil
}

// setAuth puts the secret in h as the provider expects it.
func (u *Upstream) setAuth(h http.Header, secret string) {
	if u.bearer {
		h.Set("Authorization", "Bearer "+secret)
		return
	}
	h.Set("x-api-key", secret)
}

// errNoCredential reports a call without a credential, a bug in the caller.
func errNoCredential() error { return gateway.Internal(errors.New("anthropic: nil credential")) }

// do sends one request with cred and returns the response if its status
// is 2xx; every error is a *gateway.Error (see httpx.Client.Do and
// statusError).
func (u *Upstream) do(ctx context.Context, method, target string, body any, cred *gateway.Credential, accept string) (*httpx.Call, error) {
	if cred == nil {
		return nil, errNoCredential()
	}
	secret := cred.Secret.Reveal()
	var req *http.Request
	var err error
	if body != nil {
		b, merr := json.Marshal(body)
		if merr != nil {
			return nil, gateway.Internal(merr)
		}
		req, err = http.NewRequestWithContext(ctx, method, target, bytes.NewReader(b))
	} else {
		req, err = http.NewRequestWithContext(ctx, method, target, nil)
	}
	if err != nil {
		return nil, gateway.Internal(err)
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
