package openaiapi

import (
	"context"
	"net/http"

	"github.com/tollgate-ai/tollgate/gateway"
)

var _ gateway.Forwarder = (*Upstream)(nil)

// Forward sends a native pass-through request (gateway.Forwarder) under
// the provider's base URL, which is where OpenAI's SDKs point
// (https://api.openai.com/v1) and, for Azure, the resource endpoint its
// SDKs take: the path is appended as it came, with cred set the host's
// way and the provider's static headers. The model prefix and request
// quirks do not apply: a native request goes as the client wrote it.
func (u *Upstream) Forward(ctx context.Context, cred *gateway.Credential, req *http.Request) (*http.Response, error) {
	req = req.WithContext(ctx)
	if err := u.Authorize(req, cred); err != nil {
		return nil, err
	}
	for k, v := range u.static {
		req.Header[k] = v
	}
	secret := ""
	if cred != nil {
		secret = cred.Secret.Reveal()
	}
	return u.client.Forward(u.base, req, secret)
}
