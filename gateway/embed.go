package gateway

import "encoding/json"

// EmbedRequest is the canonical embeddings request (OpenAI schema). Input
// is kept as sent: a string, a list of strings, or token arrays.
type EmbedRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	EncodingFormat string          `json:"encoding_format,omitempty"`
	Dimensions     *int            `json:"dimensions,omitempty"`
	User           string          `json:"user,omitempty"`
	Extra          Extra           `json:"-"`
}

type embedRequestJSON EmbedRequest

// UnmarshalJSON decodes the known fields and keeps the rest in Extra.
func (r *EmbedRequest) UnmarshalJSON(data []byte) error {
	var v embedRequestJSON
	extra, err := decodeExtra(data, &v)
	if err != nil {
		return err
	}
	*r = EmbedRequest(v)
	r.Extra = extra
	return nil
}

// MarshalJSON encodes the known fields followed by Extra.
func (r EmbedRequest) MarshalJSON() ([]byte, error) {
	v := embedRequestJSON(r)
	return encodeExtra(&v, r.Extra)
}

// Validate reports the first field at fault as a CodeInvalid error.
func (r *EmbedRequest) Validate() error {
	if r.Model == "" {
		return Invalid("model", "model is required")
	}
	if len(r.Input) == 0 || string(r.Input) == "null" || string(r.Input) == `""` || string(r.Input) == "[]" {
		return Invalid("input", "input must not be empty")
	}
	switch r.EncodingFormat {
	case "", "float", "base64":
	default:
		return Invalid("encoding_format", "encoding_format must be float or base64")
	}
	return nil
}

// EmbedResponse is the canonical embeddings response.
type EmbedResponse struct {
	Object string      `json:"object"`
	Data   []Embedding `json:"data"`
	Model  string      `json:"model"`
	Usage  Usage       `json:"usage"`
}

// Embedding is one vector; it is kept as the upstream sent it (a float
// array, or base64 when asked for).
type Embedding struct {
	Object    string          `json:"object"`
	Index     int             `json:"index"`
	Embedding json.RawMessage `json:"embedding"`
}

// ModelInfo is one entry of GET /v1/models.
type ModelInfo struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}
