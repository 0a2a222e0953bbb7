package anthropic

import (
	"context"
	"net/http"

	"github.com/tollgate-ai/tollgate/gateway"
)

var _ gateway.Forwarder = (*Upstream)(nil)

// Forward sends a native pass-through request (gateway.Forwarder) under
// the provider's base URL, where Anthropic's SDKs point
// (https://api.anthropic.com; their paths start with /v1): the path is
// appended as it came, with cred set the provider's way (see Authorize).
// The client's anthropic-version and anthropic-beta are kept, as its SDK
// knows the features it uses; the provider's options fill them in when
// it sent none. Provider.Headers come last. The request is sent as the
// client wrote it, and the response returned whatever its status; errors
// are transport failures only.
func (u *Upstream) Forward(ctx context.Context, cred *gateway.Credential, req *http.Request) (*http.Response, error) {
	req = req.WithContext(ctx)
	if err := u.Authorize(req, cred); err != nil {
		return nil, err
	}
	if u.beta != "" && req.Header.Get("anthropic-beta") == "" {
		req.Header.Set("anthropic-beta", u.beta)
	}
	for k, v := range u.headers {
		req.Header[k] = v
	}
	return u.client.Forward(u.base, req, cred.Secret.Reveal())
}
