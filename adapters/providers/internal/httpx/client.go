package httpx

import (
	"context"
	"encoding/json"
	"io"
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

// Client sends one provider's requests over its transport. Name prefixes
// every error message ("anthropic: request timed out").
type Client struct {
	Name      string
	HTTP      *http.Client
	Transport *http.Transport
	// Timeout is Config.Timeout, for WithTimeout.
	Timeout time.Duration
}

// NewClient returns a Client for the provider called name, with a
// transport built from cfg (its zero fields set to their defaults).
func NewClient(name string, cfg Config) *Client {
	cfg = cfg.WithDefaults()
	t := NewTransport(cfg)
	return &Client{Name: name, HTTP: &http.Client{Transport: t}, Transport: t, Timeout: cfg.Timeout}
}

// Close closes the idle connections of the pool; requests in flight go on.
func (c *Client) Close() { c.Transport.CloseIdleConnections() }

// WithTimeout applies Config.Timeout to a non-streaming call.
func (c *Client) WithTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.Timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.Timeout)
}

// StatusMapper maps a non-2xx response to an error; it may read the body
// but must not close it. secret is the credential the request carried.
type StatusMapper func(resp *http.Response, secret string) *gateway.Error

// Call is a successful response and the secret its request carried,
// which errors while reading the body must not repeat.
type Call struct {
	Resp   *http.Response
	Secret string
	name   string
}

// Do sends req, which carries secret in a header or its URL, and returns
// the response if its status is 2xx. Any other status is mapped by
// mapStatus (and the body closed), or returned as a Call when mapStatus is
// nil; transport failures are mapped by TransportError.
// The W3C trace context of ctx is injected when the host set a propagator.
//
// Whether the request was written decides Delivered (the failover
// contract): net/http's errors do not say whether bytes reached the
// provider, but httptrace's WroteRequest hook does, and costs one small
// allocation per request, with no goroutine or lock.
func (c *Client) Do(req *http.Request, secret string, mapStatus StatusMapper) (*Call, error) {
	ctx := req.Context()
	wrote := new(atomic.Bool)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	})
	req = req.WithContext(ctx)
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(req.Header))
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, TransportError(ctx, c.Name, err, wrote.Load(), secret)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if mapStatus == nil {
			return &Call{Resp: resp, Secret: secret, name: c.Name}, nil
		}
		defer resp.Body.Close()
		return nil, mapStatus(resp, secret)
	}
	return &Call{Resp: resp, Secret: secret, name: c.Name}, nil
}

// Decode reads the JSON response body into v and closes it. The provider
// has answered, so every failure here is Delivered.
func (c *Call) Decode(ctx context.Context, v any) error {
	defer c.Resp.Body.Close()
	body := &errReader{r: c.Resp.Body}
	return c.decode(ctx, body, v)
}

// decode decodes the JSON value body holds into v, telling its read
// errors from a malformed value.
func (c *Call) decode(ctx context.Context, body *errReader, v any) error {
	if err := json.NewDecoder(body).Decode(v); err != nil {
		if body.err != nil || ctx.Err() != nil {
			return TransportError(ctx, c.name, body.errOr(err), true, c.Secret)
		}
		return &gateway.Error{Code: gateway.CodeUpstream, Message: c.name + ": invalid response body",
			Status: c.Resp.StatusCode, Delivered: true, Err: err}
	}
	// Drain what little is left (a trailing newline) so the connection
	// goes back to the pool.
	_, _ = io.CopyN(io.Discard, c.Resp.Body, 4<<10)
	return nil
}

// errReader remembers the first read error other than io.EOF, to tell a
// broken connection from a malformed body.
type errReader struct {
	r   io.Reader
	err error
}

func (r *errReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// errOr returns the read error, or err if there was none.
func (r *errReader) errOr(err error) error {
	if r.err != nil {
		return r.err
	}
	return err
}

// Forward sends a pass-through request (gateway.Forwarder): req.URL's path
// and query are appended to root, the base URL the provider's SDK uses,
// and req, which the caller has authorized, goes out as it is. The
// response is returned whatever its status; only transport failures are
// errors (TransportError, with secret redacted).
func (c *Client) Forward(root string, req *http.Request, secret string) (*http.Response, error) {
	target, err := url.Parse(strings.TrimRight(root, "/") + req.URL.EscapedPath())
	if err != nil {
		return nil, gateway.Errorf(gateway.CodeInvalid, "%s: the path is not valid", c.Name)
	}
	target.RawQuery = req.URL.RawQuery
	out := req.Clone(req.Context())
	out.URL, out.Host, out.RequestURI = target, "", ""
	resp, err := c.Do(out, secret, nil)
	if err != nil {
		return nil, err
	}
	return resp.Resp, nil
}
