package openaiapi

import (
	"bytes"
	"encoding/json"

	"github.com/tollgate-ai/tollgate/gateway"
)

// chatBody encodes req as the host takes it and returns the model as
// sent. The copy sent asks for a stream only if stream is set (and keeps
// stream_options only then), names the model the host's way, gives the
// output token limit under the host's name, and drops omitted fields.
// req is not changed; fields Tollgate does not model (Extra) go along.
func (u *Upstream) chatBody(req *gateway.ChatRequest, stream bool) ([]byte, string, error) {
	r := *req
	r.Stream = stream
	if !stream || u.omits("stream_options") {
		r.StreamOptions = nil
	}
	r.Model = u.upstreamModel(r.Model)
	switch u.maxTokens {
	case "max_tokens":
		if r.MaxCompletionTokens != nil {
			if r.MaxTokens == nil {
				r.MaxTokens = r.MaxCompletionTokens
			}
			r.MaxCompletionTokens = nil
		}
	case "max_completion_tokens":
		if r.MaxTokens != nil {
			if r.MaxCompletionTokens == nil {
				r.MaxCompletionTokens = r.MaxTokens
			}
			r.MaxTokens = nil
		}
	}
	// MarshalJSON's output is already what json.Marshal would make of
	// it; calling it directly skips json.Marshal's second pass over it.
	b, err := r.MarshalJSON()
	if err != nil {
		return nil, "", gateway.Internal(err)
	}
	b, err = omitFields(b, u.omit)
	if err != nil {
		return nil, "", gateway.Internal(err)
	}
	return b, r.Model, nil
}

// embedBody encodes req with the model named the host's way, and returns
// the model as sent.
func (u *Upstream) embedBody(req *gateway.EmbedRequest) ([]byte, string, error) {
	r := *req
	r.Model = u.upstreamModel(r.Model)
	b, err := json.Marshal(r)
	if err != nil {
		return nil, "", gateway.Internal(err)
	}
	return b, r.Model, nil
}

// omitFields removes the top-level fields of the JSON object b that the
// host refuses. The common case, none of them present, costs a scan and
// no allocation.
func omitFields(b []byte, fields []string) ([]byte, error) {
	found := false
	for _, f := range fields {
		if bytes.Contains(b, []byte(`"`+f+`"`)) {
			found = true
			break
		}
	}
	if !found {
		return b, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for _, f := range fields {
		delete(m, f)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
