package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"sync"
)

// clientCredentials are the headers in which provider SDKs send their key;
// a pass-through request carries the caller's Tollgate key in one of them,
// and none may reach the upstream. Cookie goes too: it would carry the
// gateway's own session to a third party.
var clientCredentials = []string{"Authorization", "X-Api-Key", "X-Goog-Api-Key", "Api-Key", "Proxy-Authorization", "Cookie"}

// maxProxyErrorBody bounds the error body kept from a failed attempt, to
// hand the client the provider's own answer if no other credential works.
const maxProxyErrorBody = 256 << 10

// Proxy forwards a native request to the provider called provider and
// returns its response, whose body streams from the provider as the
// caller reads it. The request is authenticated (c), limited, routed over
// the provider's credentials with failover, and recorded like any other:
// usage is read from the response as it passes (when the upstream is
// Metered), and the request is recorded when the body is read to its end
// or closed. The caller must close the body.
//
// req.URL is relative to the provider's SDK base URL (see Forwarder);
// client credentials in headers or the "key" query parameter are removed.
// The model, for the key's model list, the limits and the price, is read
// from a JSON body's "model" or from a path segment after "models/" or
// "deployments/". A key limited to some models may only call endpoints
// that name one.
//
// An answer of 401, 403, 408, 429 or 5xx makes the next credential try;
// when none is left, the last answer is returned as the provider gave it.
// Errors: CodeNotFound for an unknown provider, CodeInvalid when it takes
// no pass-through requests, the limit and routing errors of Chat, and
// transport failures of the last attempt.
func (g *Gateway) Proxy(ctx context.Context, c *Caller, provider string, req *http.Request) (*http.Response, error) {
	ctx, in := g.begin(ctx, c, "proxy", "", false)
	resp, err := g.proxy(ctx, c, provider, req, in)
	if err != nil {
		g.finish(in, err)
		return nil, err
	}
	return resp, nil
}

func (g *Gateway) proxy(ctx context.Context, c *Caller, provider string, req *http.Request, in *inflight) (*http.Response, error) {
	snap := g.snapshot()
	t := snap.providerNamed(provider)
	if t == nil {
		return nil, &Error{Code: CodeNotFound, Type: "provider_not_found", Message: "no provider is called " + quote(provider)}
	}
	in.rec.ProviderID = t.provider.ID
	fwd, ok := t.upstream.(Forwarder)
	if !ok {
		return nil, Errorf(CodeInvalid, "provider %s does not take pass-through requests", quote(provider))
	}
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	model, est := proxyModel(req, body)
	in.rec.Model = model
	if model == "" && len(c.Key.Models) > 0 {
		return nil, &Error{Code: CodeForbidden, Type: "model_not_allowed", Message: "this key is limited to some models, and this request names none"}
	}
	name := model
	if m, ok := snap.models[model]; ok {
		name, in.model = m.Name, m
	}
	if model != "" && !c.Key.AllowsModel(model) && !c.Key.AllowsModel(name) {
		return nil, &Error{Code: CodeForbidden, Type: "model_not_allowed", Message: "this key may not use model " + quote(model)}
	}
	in.chain = []hop{{target: t, model: model}}
	if err := g.enter(ctx, c, in, est); err != nil {
		return nil, err
	}

	out := stripCredentials(req)
	var resp *http.Response
	var failed *http.Response // the last answer that made the next credential try
	err = g.attempt(ctx, in.chain, in, func(ctx context.Context, _ hop, cred *Credential) error {
		r := out.Clone(ctx)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		got, err := fwd.Forward(ctx, cred, r)
		if err != nil {
			return err
		}
		if failsOver(got.StatusCode) {
			failed = keepAnswer(got)
			return &Error{Code: proxyStatusCode(got.StatusCode), Status: got.StatusCode,
				Message: "the upstream answered " + http.StatusText(got.StatusCode)}
		}
		resp = got
		return nil
	})
	if err != nil {
		var e *Error
		if failed == nil || !errors.As(err, &e) || e.Status != failed.StatusCode {
			return nil, err
		}
		resp = failed // the provider's own answer, as it gave it
	}
	in.rec.FirstByte = g.clock.Now().Sub(in.start)
	resp.Header.Del("Set-Cookie")
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	in.rec.Stream = mt == "text/event-stream"
	pb := &proxyBody{g: g, in: in, body: resp.Body}
	if resp.StatusCode >= 400 {
		pb.status = &Error{Code: proxyStatusCode(resp.StatusCode), Status: resp.StatusCode,
			Message: "the upstream answered " + http.StatusText(resp.StatusCode)}
	} else if m, ok := t.upstream.(Metered); ok {
		pb.meter = m.Meter(answered(out, resp), mt)
	}
	resp.Body = pb
	return resp, nil
}

// answered returns the request a response answered, for the Meter.
func answered(out *http.Request, resp *http.Response) *http.Request {
	if resp.Request != nil {
		return resp.Request
	}
	return out
}

// readBody reads the whole request body, which failover may send again.
// The host bounds its size.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	b, err := io.ReadAll(req.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &Error{Code: CodeInvalid, Status: http.StatusRequestEntityTooLarge, Type: "request_too_large",
				Message: "the request body is too large", Err: err}
		}
		return nil, &Error{Code: CodeCanceled, Message: "the request body could not be read", Err: err}
	}
	return b, nil
}

// stripCredentials returns a copy of req without the client's credentials
// (headers and the "key" query parameter) and its Accept-Encoding.
func stripCredentials(req *http.Request) *http.Request {
	out := req.Clone(req.Context())
	for _, h := range clientCredentials {
		out.Header.Del(h)
	}
	// The meter reads the response as it passes, so it must come plain;
	// the upstream's transport still compresses on the wire on its own.
	out.Header.Del("Accept-Encoding")
	if q := out.URL.Query(); q.Has("key") {
		q.Del("key")
		u := *out.URL
		u.RawQuery = q.Encode()
		out.URL = &u
	}
	return out
}

// failsOver reports whether an answer with status is worth another
// credential: the credential was refused or limited, or the provider
// failed; the provider acted on none of these.
func failsOver(status int) bool {
	switch {
	case status == http.StatusUnauthorized, status == http.StatusForbidden,
		status == http.StatusRequestTimeout, status == http.StatusTooManyRequests:
		return true
	}
	return status >= 500
}

// proxyStatusCode classifies a provider's error status for the record.
func proxyStatusCode(status int) Code {
	switch {
	case status == http.StatusTooManyRequests:
		return CodeRateLimited
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return CodeUpstreamTimeout
	case status == http.StatusNotFound:
		return CodeNotFound
	case status == http.StatusUnauthorized || status == http.StatusForbidden || status >= 500:
		return CodeUpstream
	}
	return CodeInvalid
}

// keepAnswer reads a failed answer's body (bounded) so the connection is
// released, and returns the answer with that body.
func keepAnswer(resp *http.Response) *http.Response {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxProxyErrorBody))
	kept := *resp
	kept.Header = resp.Header.Clone()
	kept.Header.Del("Content-Length")
	kept.ContentLength = int64(len(b))
	kept.Body = io.NopCloser(bytes.NewReader(b))
	return &kept
}

// providerNamed returns the active provider called name, or nil.
func (s *Snapshot) providerNamed(name string) *target {
	i := sort.Search(len(s.ordered), func(i int) bool { return s.ordered[i].provider.Name >= name })
	if i < len(s.ordered) && s.ordered[i].provider.Name == name {
		return s.ordered[i]
	}
	return nil
}

// ProviderType returns the driver type of the active provider called
// name, so a host can answer in that provider's error format.
func (g *Gateway) ProviderType(name string) (string, bool) {
	if t := g.snapshot().providerNamed(name); t != nil {
		return t.provider.Type, true
	}
	return "", false
}

// proxyBody meters a pass-through response as the client reads it and
// records the request when it ends.
type proxyBody struct {
	g      *Gateway
	in     *inflight
	body   io.ReadCloser
	meter  UsageMeter
	status *Error // the provider's error answer, passed through
	once   sync.Once
}

func (b *proxyBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if n > 0 && b.meter != nil {
		_, _ = b.meter.Write(p[:n])
	}
	switch {
	case err == io.EOF:
		b.end(nil)
	case err != nil:
		b.end(&Error{Code: CodeUpstream, Message: "the upstream response was cut", Delivered: true, Err: err})
	}
	return n, err
}

// Close ends the response; closed before its end, the request is recorded
// as canceled by the client, with the usage reported so far.
func (b *proxyBody) Close() error {
	err := b.body.Close()
	b.end(context.Canceled)
	return err
}

func (b *proxyBody) end(err error) {
	b.once.Do(func() {
		if b.meter != nil {
			if u, model, ok := b.meter.Usage(); ok {
				b.in.rec.Usage = u
				b.in.rec.ServedModel = model
			}
		}
		if err == nil && b.status != nil {
			err = b.status
		}
		b.g.finish(b.in, err)
	})
}

// proxyModel finds the model a native request names, and estimates it:
// the body's size and the most output it asks for.
func proxyModel(req *http.Request, body []byte) (string, estimate) {
	var fields proxyFields
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		_ = json.Unmarshal(body, &fields) // not JSON after all: no model in it
	}
	est := estimate{promptBytes: int64(len(body)), output: fields.maxOutput()}
	if fields.Model != "" {
		return fields.Model, est
	}
	return modelInPath(req.URL.Path), est
}

// modelInPath returns the segment after "models/" (Gemini, and OpenAI's
// model endpoints) or "deployments/" (Azure), without a ":method" suffix.
func modelInPath(p string) string {
	for _, marker := range []string{"/models/", "/deployments/"} {
		i := strings.LastIndex(p, marker)
		if i < 0 {
			continue
		}
		seg := p[i+len(marker):]
		if j := strings.IndexAny(seg, "/:"); j >= 0 {
			seg = seg[:j]
		}
		if seg != "" {
			return seg
		}
	}
	return ""
}

// proxyFields are the fields of a native request body that name the model
// and bound the output, across the providers' formats.
type proxyFields struct {
	Model               string `json:"model"`
	MaxTokens           int64  `json:"max_tokens"`            // OpenAI chat, Anthropic
	MaxCompletionTokens int64  `json:"max_completion_tokens"` // OpenAI chat
	MaxOutputTokens     int64  `json:"max_output_tokens"`     // OpenAI responses
	GenerationConfig    struct {
		MaxOutputTokens int64 `json:"maxOutputTokens"` // Gemini
	} `json:"generationConfig"`
}

func (f *proxyFields) maxOutput() int64 {
	return max(f.MaxTokens, f.MaxCompletionTokens, f.MaxOutputTokens, f.GenerationConfig.MaxOutputTokens, 0)
}
