package anthropic

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// ToRequest exposes toRequest to the tests; the bool reports a
// response-format tool.
func (u *Upstream) ToRequest(req *gateway.ChatRequest) (*anthropicwire.Request, bool, error) {
	r, jt, err := u.toRequest(req)
	return r, jt != nil, err
}

// FromResponse exposes fromResponse, with the response-format tool when
// jsonFormat.
func FromResponse(r *anthropicwire.Response, jsonFormat bool) *gateway.ChatResponse {
	var jt *jsonTool
	if jsonFormat {
		jt = &jsonTool{name: jsonToolName}
	}
	return fromResponse(r, jt, time.Unix(1700000000, 0))
}

// NewStream exposes a stream over body, as ChatStream builds it.
func NewStream(body io.ReadCloser, secret string, wantUsage bool) gateway.ChatStream {
	return newStream(context.Background(), body, secret, wantUsage, nil, time.Unix(1700000000, 0))
}

// StatusErrorAt exposes statusErrorAt.
func StatusErrorAt(resp *http.Response, secret string, now time.Time) *gateway.Error {
	return statusErrorAt(resp, secret, now)
}

// JSONToolName is the name of the response-format tool.
const JSONToolName = jsonToolName
