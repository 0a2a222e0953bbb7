// Package openai is the gateway.Upstream for OpenAI's API and for servers
// that speak its wire format (chat completions, embeddings, models).
//
// An Upstream serves one gateway.Provider: it owns one tuned HTTP
// transport (the provider's connection pool) shared by every request, and
// each call names the gateway.Credential to authenticate with. Besides
// gateway.Upstream it implements gateway.Embedder, gateway.ModelLister and
// gateway.Authorizer.
package openai

import (
	"bytes"
	"context"
	"encoding/json"
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
)

// Upstream speaks OpenAI's API for one provider. It is safe for concurrent
// use; build it once per provider with New (or through Driver), which the
// zero Upstream is not, and Close it when the provider goes away.
type Upstream struct {
	client    *httpx.Client
	chatURL   string
	embedURL  string
	modelsURL string
	// static holds the provider's headers (OpenAI-Organization,
	// OpenAI-Project, then Provider.Headers), set after the driver's own.
	static http.Header
}

// New returns an Upstream for p. An empty p.BaseURL means DefaultBaseURL;
// an unparsable one, or one that is not an absolute http(s) URL, is
// CodeInvalid with Field "base_url". p.Options "organization" and
// "project" are sent as the OpenAI-Organization and OpenAI-Project headers.
func New(p *gateway.Provider, cfg Config) (*Upstream, error) {
	base := p.BaseURL
	if base == "" {
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

	return &Upstream{
		client:    httpx.NewClient("openai", cfg),
		chatURL:   base + "/chat/completions",
		embedURL:  base + "/embeddings",
		modelsURL: base + "/models",
		static:    static,
	}, nil
}

// Driver returns a gateway.Driver that opens providers of type "openai"
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

// Authorize sets cred on an outgoing pass-through request as OpenAI expects
// it: Authorization: Bearer <secret>. CodeInternal if cred is nil.
func (u *Upstream) Authorize(req *http.Request, cred *gateway.Credential) error {
	if cred == nil {
		return errNoCredential()
	}
	req.Header.Set("Authorization", "Bearer "+cred.Secret.Reveal())
	return nil
}

// errNoCredential reports a call without a credential, a bug in the caller.
func errNoCredential() error { return gateway.Internal(errors.New("openai: nil credential")) }

// do sends one request with cred as a bearer token and returns the
// response if its status is 2xx; every error is a *gateway.Error (see
// httpx.Client.Do and statusError).
func (u *Upstream) do(ctx context.Context, method, target string, body any, cred *gateway.Credential, accept string) (*httpx.Call, error) {
	if cred == nil {
		return nil, errNoCredential()
	}
	secret := cred.Secret.Reveal()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, gateway.Internal(err)
		}
		rd = bytes.NewReader(b)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequestWithContext(ctx, method, target, rd)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, target, nil)
	}
	if err != nil {
		return nil, gateway.Internal(err)
	}
	h := req.Header
	h["Authorization"] = []string{"Bearer " + secret}
	if rd != nil {
		h["Content-Type"] = []string{"application/json"}
	}
	h["Accept"] = []string{accept}
	for k, v := range u.static {
		h[k] = v
	}
	return u.client.Do(req, secret, statusError)
}
