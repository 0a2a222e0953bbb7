package openaiapi

import (
	"context"
	"net/http"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Chat sends req to POST {base}/chat/completions (or where WithURL says)
// and returns the whole completion. req is sent as encoded by
// ChatRequest.MarshalJSON, so fields Tollgate does not model reach the
// host; stream and stream_options are cleared in the copy it sends, and
// the copy is adapted to the host (see chatBody). Errors are as described
// on Upstream and in statusError and transportError.
func (u *Upstream) Chat(ctx context.Context, cred *gateway.Credential, req *gateway.ChatRequest) (*gateway.ChatResponse, error) {
	body, model, err := u.chatBody(req, false)
	if err != nil {
		return nil, err
	}
	ctx, cancel := u.client.WithTimeout(ctx)
	defer cancel()
	c, err := u.do(ctx, http.MethodPost, u.url(OpChat, model), body, cred, "application/json")
	if err != nil {
		return nil, err
	}
	var out gateway.ChatResponse
	fast := func(body []byte) bool { return gateway.DecodeChatResponse(body, &out) }
	if err := c.DecodeWith(ctx, &out, fast); err != nil {
		return nil, err
	}
	return &out, nil
}
