package gemini

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// maxEmbedInputs is the most inputs one request may hold: the API's batch
// limit.
const maxEmbedInputs = 100

// Embed sends req's inputs (a string or a list of strings; token arrays
// are CodeInvalid) in one request: batchEmbedContents on the Gemini API
// (requests[{model, content{parts[{text}]}, outputDimensionality}]),
// predict on Vertex AI (instances[{content}], parameters
// {outputDimensionality}). dimensions becomes outputDimensionality.
//
// The vectors come back as float arrays, or base64 strings of their
// little-endian float32 values when encoding_format is "base64", as
// OpenAI encodes them. Usage: Vertex AI reports each input's token count,
// which is used; the Gemini API reports none, so prompt_tokens is an
// estimate: a token per four bytes of text, at least one per input.
// Errors are as for Chat.
func (u *Upstream) Embed(ctx context.Context, cred *gateway.Credential, req *gateway.EmbedRequest) (*gateway.EmbedResponse, error) {
	inputs, err := embedInputs(req.Input)
	if err != nil {
		return nil, err
	}
	method := "batchEmbedContents"
	if u.vertex {
		method = "predict"
	}
	target, err := u.modelURL(req.Model, method)
	if err != nil {
		return nil, err
	}
	var body any
	if u.vertex {
		body = predictBody(inputs, req.Dimensions)
	} else {
		body = batchBody(req.Model, inputs, req.Dimensions)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, gateway.Internal(err)
	}
	ctx, cancel := u.client.WithTimeout(ctx)
	defer cancel()
	c, err := u.do(ctx, http.MethodPost, target, b, cred, "application/json")
	if err != nil {
		return nil, err
	}
	var out embedResponse
	if err := c.Decode(ctx, &out); err != nil {
		return nil, err
	}
	return out.canonical(req, inputs)
}

// embedInputs reads the input: a string or a list of strings.
func embedInputs(raw json.RawMessage) ([]string, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if json.Unmarshal(raw, &many) != nil {
		return nil, gateway.Invalid("input", "gemini: input must be a string or a list of strings; token arrays are not supported")
	}
	if len(many) == 0 || len(many) > maxEmbedInputs {
		return nil, gateway.Invalid("input", "gemini: input must hold 1 to %d strings", maxEmbedInputs)
	}
	return many, nil
}

type embedText struct {
	Parts []struct {
		Text string `json:"text"`
	} `json:"parts"`
}

type batchRequest struct {
	Model                string    `json:"model"`
	Content              embedText `json:"content"`
	OutputDimensionality *int      `json:"outputDimensionality,omitempty"`
}

// batchBody is a BatchEmbedContentsRequest; each request names the model,
// as the API requires.
func batchBody(model string, inputs []string, dims *int) any {
	if !strings.HasPrefix(model, "models/") && !strings.HasPrefix(model, "tunedModels/") {
		model = "models/" + model
	}
	reqs := make([]batchRequest, len(inputs))
	for i, in := range inputs {
		reqs[i] = batchRequest{Model: model, OutputDimensionality: dims}
		reqs[i].Content.Parts = append(reqs[i].Content.Parts, struct {
			Text string `json:"text"`
		}{in})
	}
	return map[string]any{"requests": reqs}
}

// predictBody is Vertex AI's PredictRequest for a text embedding model.
func predictBody(inputs []string, dims *int) any {
	type instance struct {
		Content string `json:"content"`
	}
	body := struct {
		Instances  []instance     `json:"instances"`
		Parameters map[string]any `json:"parameters,omitempty"`
	}{}
	for _, in := range inputs {
		body.Instances = append(body.Instances, instance{in})
	}
	if dims != nil {
		body.Parameters = map[string]any{"outputDimensionality": *dims}
	}
	return body
}

// embedResponse is either API's answer: embeddings (batchEmbedContents)
// or predictions (predict).
type embedResponse struct {
	Embeddings []struct {
		Values json.RawMessage `json:"values"`
	} `json:"embeddings"`
	Predictions []struct {
		Embeddings struct {
			Values     json.RawMessage `json:"values"`
			Statistics struct {
				TokenCount float64 `json:"token_count"`
			} `json:"statistics"`
		} `json:"embeddings"`
	} `json:"predictions"`
}

// canonical converts the answer; a vector count that is not the input
// count, or values that are not a list of numbers, is a Delivered
// CodeUpstream error.
func (r *embedResponse) canonical(req *gateway.EmbedRequest, inputs []string) (*gateway.EmbedResponse, error) {
	var vectors []json.RawMessage
	tokens := 0
	if r.Predictions != nil {
		for _, p := range r.Predictions {
			vectors = append(vectors, p.Embeddings.Values)
			if n := p.Embeddings.Statistics.TokenCount; n > 0 && n < math.MaxInt32 {
				tokens += int(n)
			}
		}
	} else {
		for _, e := range r.Embeddings {
			vectors = append(vectors, e.Values)
		}
		for _, in := range inputs {
			tokens += max((len(in)+3)/4, 1)
		}
	}
	if len(vectors) != len(inputs) {
		return nil, &gateway.Error{Code: gateway.CodeUpstream, Delivered: true,
			Message: fmt.Sprintf("gemini: %d embeddings for %d inputs", len(vectors), len(inputs))}
	}
	tokens = min(tokens, math.MaxInt32)
	out := &gateway.EmbedResponse{Object: "list", Model: req.Model, Data: make([]gateway.Embedding, len(vectors)),
		Usage: gateway.Usage{PromptTokens: tokens, TotalTokens: tokens}}
	for i, v := range vectors {
		emb, err := encodeVector(v, req.EncodingFormat == "base64")
		if err != nil {
			return nil, &gateway.Error{Code: gateway.CodeUpstream, Delivered: true, Message: "gemini: invalid embedding values", Err: err}
		}
		out.Data[i] = gateway.Embedding{Object: "embedding", Index: i, Embedding: emb}
	}
	return out, nil
}

// encodeVector returns values (a JSON list of numbers) as the client asked
// for them: the list as it came, or base64 of its float32 little-endian
// bytes.
func encodeVector(values json.RawMessage, b64 bool) (json.RawMessage, error) {
	var floats []float32
	if err := json.Unmarshal(values, &floats); err != nil {
		return nil, err
	}
	if floats == nil {
		return nil, fmt.Errorf("no values")
	}
	if !b64 {
		return compact(values), nil
	}
	var buf bytes.Buffer
	buf.Grow(4 * len(floats))
	for _, f := range floats {
		_ = binary.Write(&buf, binary.LittleEndian, math.Float32bits(f))
	}
	return json.Marshal(base64.StdEncoding.EncodeToString(buf.Bytes()))
}
