package openaiapi

import (
	"context"
	"net/http"

	"github.com/tollgate-ai/tollgate/gateway"
)

// ListModels returns the models of GET {base}/models (or where WithURL
// says) that cred may use; a successful call proves the credential works.
// Errors are as for Chat (CodeUpstream with Status 401 for a rejected
// credential).
func (u *Upstream) ListModels(ctx context.Context, cred *gateway.Credential) ([]gateway.ModelInfo, error) {
	ctx, cancel := u.client.WithTimeout(ctx)
	defer cancel()
	c, err := u.do(ctx, http.MethodGet, u.url(OpModels, ""), nil, cred, "application/json")
	if err != nil {
		return nil, err
	}
	var out struct {
		Data []gateway.ModelInfo `json:"data"`
	}
	if err := c.Decode(ctx, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}
