package anthropic

import (
	"context"
	"net/http"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// Chat translates req (see toRequest), sends it to POST {base}/v1/messages
// and translates the answer back (see fromResponse). A request Anthropic
// cannot express is CodeInvalid and is not sent; other errors are as
// described on Upstream, statusError and transportError.
func (u *Upstream) Chat(ctx context.Context, cred *gateway.Credential, req *gateway.ChatRequest) (*gateway.ChatResponse, error) {
	body, jt, err := u.toRequest(req)
	if err != nil {
		return nil, err
	}
	ctx, cancel := u.client.WithTimeout(ctx)
	defer cancel()
	c, err := u.do(ctx, http.MethodPost, u.messagesURL, body, cred, "application/json")
	if err != nil {
		return nil, err
	}
	var out anthropicwire.Response
	if err := c.Decode(ctx, &out); err != nil {
		return nil, err
	}
	return fromResponse(&out, jt, time.Now()), nil
}
