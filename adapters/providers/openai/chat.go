package openai

import (
	"context"
	"net/http"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Chat sends req to POST {base}/chat/completions and returns the whole
// completion. req is sent as encoded by ChatRequest.MarshalJSON, so fields
// Tollgate does not model reach OpenAI; stream and stream_options are
// cleared in the copy it sends. Errors are as described on Upstream and
// in statusError and transportError.
func (u *Upstream) Chat(ctx context.Context, cred *gateway.Credential, req *gateway.ChatRequest) (*gateway.ChatResponse, error) {
	body := req
	if req.Stream || req.StreamOptions != nil {
		r := *req
		r.Stream, r.StreamOptions = false, nil
		body = &r
	}
	ctx, cancel := u.client.WithTimeout(ctx)
	defer cancel()
	c, err := u.do(ctx, http.MethodPost, u.chatURL, body, cred, "application/json")
	if err != nil {
		return nil, err
	}
	var out gateway.ChatResponse
	if err := c.Decode(ctx, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
