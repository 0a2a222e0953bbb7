package openai

import (
	"context"
	"encoding/json"
	"io"
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
	ctx, cancel := u.withTimeout(ctx)
	defer cancel()
	c, err := u.do(ctx, http.MethodPost, u.chatURL, body, cred, "application/json")
	if err != nil {
		return nil, err
	}
	var out gateway.ChatResponse
	if err := c.decode(ctx, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// withTimeout applies Config.Timeout to a non-streaming call.
func (u *Upstream) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if u.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, u.timeout)
}

// decode reads the JSON response body into v and closes it. The provider
// has answered, so every failure here is Delivered.
func (c *call) decode(ctx context.Context, v any) error {
	defer c.resp.Body.Close()
	body := &errReader{r: c.resp.Body}
	if err := json.NewDecoder(body).Decode(v); err != nil {
		if body.err != nil || ctx.Err() != nil {
			return transportError(ctx, body.errOr(err), true, c.secret)
		}
		return &gateway.Error{Code: gateway.CodeUpstream, Message: "openai: invalid response body",
			Status: c.resp.StatusCode, Delivered: true, Err: err}
	}
	// Drain what little is left (a trailing newline) so the connection
	// goes back to the pool.
	_, _ = io.CopyN(io.Discard, c.resp.Body, 4<<10)
	return nil
}

// errReader remembers the first read error other than io.EOF, to tell a
// broken connection from a malformed body.
type errReader struct {
	r   io.Reader
	err error
}

func (r *errReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// errOr returns the read error, or err if there was none.
func (r *errReader) errOr(err error) error {
	if r.err != nil {
		return r.err
	}
	return err
}
