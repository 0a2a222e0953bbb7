package openaiapi

import (
	"context"
	"net/http"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Embed sends req to POST {base}/embeddings (or where WithURL says) and
// returns the vectors as the provider encoded them (float arrays, or
// base64 when req asks for it). Errors are as for Chat.
func (u *Upstream) Embed(ctx context.Context, cred *gateway.Credential, req *gateway.EmbedRequest) (*gateway.EmbedResponse, error) {
	body, model, err := u.embedBody(req)
	if err != nil {
		return nil, err
	}
	ctx, cancel := u.client.WithTimeout(ctx)
	defer cancel()
	c, err := u.do(ctx, http.MethodPost, u.url(OpEmbed, model), body, cred, "application/json")
	if err != nil {
		return nil, err
	}
	var out gateway.EmbedResponse
	if err := c.Decode(ctx, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
