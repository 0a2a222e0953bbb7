package mock

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/fakevec"
)

const (
	defaultDimensions = 8
	maxDimensions     = 8192
)

// Embed returns one deterministic unit vector per input, derived from an
// FNV-1a hash of the input text: the same text always gets the same
// vector. Input is a string or a list of strings (CodeInvalid "input"
// otherwise); the dimension is req.Dimensions or 8 (CodeInvalid
// "dimensions" outside 1-8192); vectors are float arrays, or base64 of
// little-endian float32s when req.EncodingFormat is "base64". Prompt
// tokens are the words of the inputs. Latency and fail apply as for Chat.
func (u *Upstream) Embed(ctx context.Context, _ *gateway.Credential, req *gateway.EmbedRequest) (*gateway.EmbedResponse, error) {
	if err := u.begin(ctx); err != nil {
		return nil, err
	}
	inputs, err := embedInputs(req.Input)
	if err != nil {
		return nil, err
	}
	dims := defaultDimensions
	if req.Dimensions != nil {
		dims = *req.Dimensions
		if dims < 1 || dims > maxDimensions {
			return nil, gateway.Invalid("dimensions", "dimensions must be between 1 and %d", maxDimensions)
		}
	}
	resp := &gateway.EmbedResponse{Object: "list", Model: req.Model, Data: make([]gateway.Embedding, len(inputs))}
	tokens := 0
	for i, text := range inputs {
		tokens += words(text)
		vec := vector(text, dims)
		var raw []byte
		if req.EncodingFormat == "base64" {
			buf := make([]byte, 4*len(vec))
			for j, v := range vec {
				binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(v))
			}
			raw, err = json.Marshal(base64.StdEncoding.EncodeToString(buf))
		} else {
			raw, err = json.Marshal(vec)
		}
		if err != nil {
			return nil, gateway.Internal(err)
		}
		resp.Data[i] = gateway.Embedding{Object: "embedding", Index: i, Embedding: raw}
	}
	resp.Usage = gateway.Usage{PromptTokens: tokens, TotalTokens: tokens}
	return resp, nil
}

// embedInputs decodes a string or a non-empty list of strings.
func embedInputs(raw json.RawMessage) ([]string, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil && len(many) > 0 {
		return many, nil
	}
	return nil, gateway.Invalid("input", "the mock provider embeds a string or an array of strings")
}

// vector returns the deterministic unit vector of text.
func vector(text string, dims int) []float32 { return fakevec.Unit(text, dims) }
