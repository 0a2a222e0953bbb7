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
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
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
	client    *http.Client
	transport *http.Transport
	timeout   time.Duration // Config.Timeout; zero means none
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

	cfg = cfg.withDefaults()
	t := newTransport(cfg)
	return &Upstream{
		client:    &http.Client{Transport: t},
		transport: t,
		timeout:   cfg.Timeout,
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
	u.transport.CloseIdleConnections()
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

// call is a successful response and the secret its request carried, which
// errors while reading the body must not repeat.
type call struct {
	resp   *http.Response
	secret string
}

// do sends one request and returns the response if its status is 2xx. Any
// other status is mapped by statusError and transport failures by
// transportError, so every error is a *gateway.Error.
//
// Whether the request was written decides Delivered (the failover
// contract): net/http's errors do not say whether bytes reached the
// provider, but httptrace's WroteRequest hook does, and costs one small
// allocation per request, with no goroutine or lock.
func (u *Upstream) do(ctx context.Context, method, target string, body any, cred *gateway.Credential, accept string) (*call, error) {
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
	wrote := new(atomic.Bool)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	})
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
	// The W3C trace context of the attempt's span in ctx, when the host
	// set a propagator (tracing on); by default nothing is propagated.
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(h))
	for k, v := range u.static {
		h[k] = v
	}

	resp, err := u.client.Do(req)
	if err != nil {
		return nil, transportError(ctx, err, wrote.Load(), secret)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		return nil, statusError(resp, secret)
	}
	return &call{resp: resp, secret: secret}, nil
}
