// Package openaiapi speaks OpenAI's wire format for the adapters that
// share it: openai (OpenAI and the compatible hosts) and azure. It lives
// under internal so that those adapters depend on it and not on each
// other; its users see it through package openai, whose documentation
// describes it.
package openaiapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-ai/tollgate/adapters/providers/internal/httpx"
	"github.com/tollgate-ai/tollgate/gateway"
)

// DefaultBaseURL is the base URL used when a Provider has none.
const DefaultBaseURL = "https://api.openai.com/v1"

var (
	_ gateway.Upstream    = (*Upstream)(nil)
	_ gateway.Embedder    = (*Upstream)(nil)
	_ gateway.ModelLister = (*Upstream)(nil)
	_ gateway.Authorizer  = (*Upstream)(nil)
	_ gateway.Metered     = (*Upstream)(nil)
)

// Upstream speaks OpenAI's API for one provider. It is safe for concurrent
// use; build it once per provider with New (or through Driver), which the
// zero Upstream is not, and Close it when the provider goes away.
type Upstream struct {
	client *httpx.Client
	base   string // without a trailing slash
	settings
	// static holds the provider's headers (OpenAI-Organization,
	// OpenAI-Project, then Provider.Headers), set after the driver's own.
	static http.Header
}

// New returns an Upstream for p, adapted to its host by opts and then by
// p.Options (see the package doc). An empty p.BaseURL means
// DefaultBaseURL, unless options.base_url_required is "true"; an empty
// one then, an unparsable one, or one that is not an absolute http(s)
// URL, is CodeInvalid with Field "base_url". An option that does not
// parse is CodeInvalid with Field "options.<name>".
func New(p *gateway.Provider, cfg Config, opts ...Option) (*Upstream, error) {
	s := settings{name: "openai", auth: AuthBearer}
	for _, o := range opts {
		o(&s)
	}
	if err := s.fromProvider(p.Options); err != nil {
		return nil, err
	}
	base := p.BaseURL
	if base == "" {
		if p.Options["base_url_required"] == "true" {
			return nil, gateway.Invalid("base_url", "base_url is required: this host runs at an address only its operator knows")
		}
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, gateway.Invalid("base_url", "base_url must be an absolute http or https URL")
	}
	base = strings.TrimRight(base, "/")

	static := make(http.Header)
	if org := p.Options["organization"]; org != "" {
		static.Set("OpenAI-Organization", org)
	}
	if project := p.Options["project"]; project != "" {
		static.Set("OpenAI-Project", project)
	}
	for k, v := range p.Headers {
		static.Set(k, v)
	}

	cfg, err = cfg.ForProvider(p.Options)
	if err != nil {
		return nil, err
	}
	return &Upstream{
		client:   httpx.NewClient(s.name, cfg),
		base:     base,
		settings: s,
		static:   static,
	}, nil
}

// Driver returns a gateway.Driver that opens providers of type "openai"
// with New(p, cfg, opts...).
func Driver(cfg Config, opts ...Option) gateway.Driver {
	return gateway.DriverFunc(func(p *gateway.Provider) (gateway.Upstream, error) {
		u, err := New(p, cfg, opts...)
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

// Authorize sets cred on an outgoing pass-through request the host's way:
// Authorization: Bearer <secret> by default, an api-key header with
// AuthAPIKey, nothing with AuthNone or an empty secret. CodeInternal if
// cred is nil and the host takes a credential.
func (u *Upstream) Authorize(req *http.Request, cred *gateway.Credential) error {
	if cred == nil {
		if u.auth == AuthNone {
			return nil
		}
		return u.errNoCredential()
	}
	u.setAuth(req.Header, cred.Secret.Reveal())
	return nil
}

// errNoCredential reports a call without a credential, a bug in the caller.
func (u *Upstream) errNoCredential() error {
	return gateway.Internal(errors.New(u.name + ": nil credential"))
}

// url returns the URL of op for the model as sent upstream.
func (u *Upstream) url(op Operation, model string) string {
	if u.urlFor != nil {
		return u.urlFor(op, model)
	}
	return u.base + op.path()
}

// do sends one request, body already encoded (nil for none), with cred
// set the host's way, and returns the response if its status is 2xx;
// every error is a *gateway.Error (see httpx.Client.Do and statusError).
func (u *Upstream) do(ctx context.Context, method, target string, body []byte, cred *gateway.Credential, accept string) (*httpx.Call, error) {
	secret := ""
	switch {
	case cred != nil:
		secret = cred.Secret.Reveal()
	case u.auth != AuthNone:
		return nil, u.errNoCredential()
	}
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
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
	return u.client.Do(req, secret, u.statusError)
}
