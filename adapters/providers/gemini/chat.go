package gemini

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Chat translates req (see toRequest), sends it to generateContent and
// returns the whole completion (see fromResponse). The caller's req is not
// changed. Errors are as described on gateway.Upstream: CodeInvalid for a
// request Gemini cannot take (nothing is sent), the mapped error status
// (statusError), or a transport failure.
func (u *Upstream) Chat(ctx context.Context, cred *gateway.Credential, req *gateway.ChatRequest) (*gateway.ChatResponse, error) {
	body, target, err := u.chatRequest(req, "generateContent")
	if err != nil {
		return nil, err
	}
	ctx, cancel := u.client.WithTimeout(ctx)
	defer cancel()
	c, err := u.do(ctx, http.MethodPost, target, body, cred, "application/json")
	if err != nil {
		return nil, err
	}
	var out response
	if err := c.Decode(ctx, &out); err != nil {
		return nil, err
	}
	if out.Error != nil {
		return nil, streamError(out.Error, c.Secret)
	}
	return fromResponse(&out, req.Model, time.Now().Unix()), nil
}

// chatRequest encodes req for method and returns the body and the URL.
func (u *Upstream) chatRequest(req *gateway.ChatRequest, method string) ([]byte, string, error) {
	target, err := u.modelURL(req.Model, method)
	if err != nil {
		return nil, "", err
	}
	r, err := toRequest(req)
	if err != nil {
		return nil, "", err
	}
	body, err := json.Marshal(r)
	if err != nil {
		return nil, "", gateway.Internal(err)
	}
	return body, target, nil
}
