package openaitest

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/tollgate-ai/tollgate/internal/fakevec"
)

const (
	defaultDimensions = 8
	maxDimensions     = 3072
	invalidInputMsg   = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."
)

type embeddingRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	EncodingFormat string          `json:"encoding_format"`
	Dimensions     *int            `json:"dimensions"`
}

type embeddingResponse struct {
	Object string          `json:"object"`
	Data   []embeddingData `json:"data"`
	Model  string          `json:"model"`
	Usage  embeddingUsage  `json:"usage"`
}

type embeddingData struct {
	Object    string `json:"object"`
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"` // []float32 or base64 string
}

type embeddingUsage struct {
	PromptTokens int `json:"prompt_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

// Embed returns the unit-length vector the server answers for one input:
// a string input is used as is, and a token-array input as its tokens in
// decimal joined by single spaces (e.g. [1,2,3] embeds as "1 2 3"). The
// values come from internal/fakevec, so they are deterministic.
func Embed(text string, dimensions int) []float32 { return fakevec.Unit(text, dimensions) }

// embeddings serves POST /v1/embeddings.
func (c *call) embeddings() {
	var req embeddingRequest
	if err := json.Unmarshal(c.body, &req); err != nil {
		c.writeError(http.StatusBadRequest, decodeError(err))
		return
	}
	if c.model != "" {
		req.Model = c.model
	}
	if req.Model == "" {
		c.writeError(http.StatusBadRequest, missingParam("model"))
		return
	}
	if len(req.Input) == 0 || string(req.Input) == "null" {
		c.writeError(http.StatusBadRequest, missingParam("input"))
		return
	}
	texts, tokens, ok := embeddingInputs(req.Input)
	if !ok {
		c.writeError(http.StatusBadRequest, invalidRequest(invalidInputMsg, "", ""))
		return
	}
	base64Format := false
	switch req.EncodingFormat {
	case "", "float":
	case "base64":
		base64Format = true
	default:
		c.writeError(http.StatusBadRequest, invalidValue("encoding_format", req.EncodingFormat, []string{"float", "base64"}))
		return
	}
	dims := defaultDimensions
	if d := req.Dimensions; d != nil {
		dims = *d
		switch {
		case req.Model == "text-embedding-ada-002":
			c.writeError(http.StatusBadRequest, invalidRequest("This model does not support specifying dimensions.", "", ""))
			return
		case dims < 1:
			c.writeError(http.StatusBadRequest, invalidRequest(fmt.Sprintf("Invalid 'dimensions': integer below minimum value. Expected a value >= 1, but got %d instead.", dims), "dimensions", "integer_below_min_value"))
			return
		case dims > maxDimensions:
			c.writeError(http.StatusBadRequest, invalidRequest(fmt.Sprintf("Invalid 'dimensions': integer above maximum value. Expected a value <= %d, but got %d instead.", maxDimensions, dims), "dimensions", "integer_above_max_value"))
			return
		}
	}
	if strings.HasPrefix(req.Model, "missing-") {
		c.writeError(http.StatusNotFound, modelNotFound(req.Model))
		return
	}

	resp := embeddingResponse{Object: "list", Model: req.Model, Data: make([]embeddingData, len(texts)),
		Usage: embeddingUsage{PromptTokens: tokens, TotalTokens: tokens}}
	for i, text := range texts {
		vec := Embed(text, dims)
		var emb any = vec
		if base64Format {
			buf := make([]byte, 4*len(vec))
			for j, v := range vec {
				binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(v))
			}
			emb = base64.StdEncoding.EncodeToString(buf)
		}
		resp.Data[i] = embeddingData{Object: "embedding", Index: i, Embedding: emb}
	}
	c.writeJSON(http.StatusOK, resp)
}

// embeddingInputs decodes input (a string, an array of strings, an array of
// tokens or an array of token arrays) into the texts to embed and the number
// of prompt tokens: CountTokens of each string, or the length of each token
// array. Empty strings and empty arrays are invalid, as with OpenAI.
func embeddingInputs(raw json.RawMessage) ([]string, int, bool) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, CountTokens(one), one != ""
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		tokens := 0
		for _, s := range many {
			if s == "" {
				return nil, 0, false
			}
			tokens += CountTokens(s)
		}
		return many, tokens, len(many) > 0
	}
	var ids []int64
	if json.Unmarshal(raw, &ids) == nil {
		return []string{joinTokens(ids)}, len(ids), len(ids) > 0
	}
	var idLists [][]int64
	if json.Unmarshal(raw, &idLists) != nil || len(idLists) == 0 {
		return nil, 0, false
	}
	texts, tokens := make([]string, len(idLists)), 0
	for i, l := range idLists {
		if len(l) == 0 {
			return nil, 0, false
		}
		texts[i] = joinTokens(l)
		tokens += len(l)
	}
	return texts, tokens, true
}

func joinTokens(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, " ")
}
