package gemini

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// RequestJSON translates req as Chat does and returns the body it would
// send.
func RequestJSON(req *gateway.ChatRequest) ([]byte, error) {
	r, err := toRequest(req)
	if err != nil {
		return nil, err
	}
	return json.Marshal(r)
}

// ResponseFromJSON translates a GenerateContentResponse body as Chat does.
func ResponseFromJSON(body []byte, model string) (*gateway.ChatResponse, error) {
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	return fromResponse(&r, model, 0), nil
}

// StreamFrom reads an alt=sse body as ChatStream does.
func StreamFrom(body io.ReadCloser, model string, wantUsage bool) gateway.ChatStream {
	return newStream(context.Background(), body, "", model, wantUsage, time.Unix(0, 0))
}

// StatusErrorAt maps an error response as statusError does, measuring an
// HTTP-date Retry-After from now.
func StatusErrorAt(resp *http.Response, secret string, now time.Time) *gateway.Error {
	return statusErrorAt(resp, secret, now)
}

// SetTransport replaces u's HTTP transport, to see the requests it makes
// without a network.
func SetTransport(u *Upstream, rt http.RoundTripper) { u.client.HTTP.Transport = rt }
