package geminitest

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/tollgate-ai/tollgate/internal/fakevec"
)

// maxBatch is the most requests a batchEmbedContents call, or instances a
// predict call, may hold.
const maxBatch = 100

// Embed returns the unit-length vector the server answers for text with
// dims values; the values come from internal/fakevec, so they are
// deterministic.
func Embed(text string, dims int) []float32 { return fakevec.Unit(text, dims) }

// embedContentRequest is EmbedContentRequest, a request of a batch, and
// (with embedContentConfig) Vertex AI's EmbedContentRequest.
type embedContentRequest struct {
	Model                string       `json:"model"`
	Content              *content     `json:"content"`
	TaskType             string       `json:"taskType"`
	Title                string       `json:"title"`
	OutputDimensionality *int         `json:"outputDimensionality"`
	EmbedContentConfig   *embedConfig `json:"embedContentConfig"` // Vertex only
}

type embedConfig struct {
	TaskType             string `json:"taskType"`
	Title                string `json:"title"`
	OutputDimensionality *int   `json:"outputDimensionality"`
	AutoTruncate         *bool  `json:"autoTruncate"`
}

type embedding struct {
	Values []float32 `json:"values"`
}

type embedContentResponse struct {
	Embedding     embedding      `json:"embedding"`
	UsageMetadata *usageMetadata `json:"usageMetadata,omitempty"` // Vertex only
	Truncated     *bool          `json:"truncated,omitempty"`     // Vertex only
}

type batchEmbedRequest struct {
	Requests []embedContentRequest `json:"requests"`
}

type batchEmbedResponse struct {
	Embeddings []embedding `json:"embeddings"`
}

// embedText checks one request of the call's model and returns its text
// and vector size, or the API's 400.
func (c *call) embedText(r *embedContentRequest, at string) (string, int, apiError, bool) {
	bad := func(format string, args ...any) (string, int, apiError, bool) {
		return "", 0, invalidArgument("* " + at + "." + fmt.Sprintf(format, args...) + "\n"), false
	}
	if r.Content == nil || len(r.Content.Parts) == 0 {
		return bad("content: content is not specified")
	}
	var texts []string
	for i, p := range r.Content.Parts {
		if p.Text == "" {
			return bad("content.parts[%d].text: the embedding model takes text only", i)
		}
		texts = append(texts, p.Text)
	}
	m, _ := lookup(c.model)
	dims := m.dimensions()
	want := r.OutputDimensionality
	if r.EmbedContentConfig != nil && r.EmbedContentConfig.OutputDimensionality != nil {
		want = r.EmbedContentConfig.OutputDimensionality
	}
	if want != nil {
		if *want < 1 || *want > dims {
			return bad("output_dimensionality: output_dimensionality must be between 1 and %d", dims)
		}
		dims = *want
	}
	return strings.Join(texts, "\n"), dims, apiError{}, true
}

// embedContent serves {model}:embedContent.
func (c *call) embedContent() {
	var req embedContentRequest
	if e, ok := decodeStrict(c.body, &req); !ok {
		c.writeError(e)
		return
	}
	if !c.serves(true) {
		return
	}
	text, dims, e, ok := c.embedText(&req, "EmbedContentRequest")
	if !ok {
		c.writeError(e)
		return
	}
	out := embedContentResponse{Embedding: embedding{Values: Embed(text, dims)}}
	if c.vertex {
		n := CountTokens(text)
		out.UsageMetadata = &usageMetadata{PromptTokenCount: n, TotalTokenCount: n}
		out.Truncated = ptr(false)
	}
	c.writeJSON(out)
}

// batchEmbedContents serves the Gemini API's {model}:batchEmbedContents.
func (c *call) batchEmbedContents() {
	var req batchEmbedRequest
	if e, ok := decodeStrict(c.body, &req); !ok {
		c.writeError(e)
		return
	}
	if !c.serves(true) {
		return
	}
	switch {
	case len(req.Requests) == 0:
		c.writeError(invalidArgument("* BatchEmbedContentsRequest.requests: requests is not specified\n"))
		return
	case len(req.Requests) > maxBatch:
		c.writeError(invalidArgument(fmt.Sprintf("* BatchEmbedContentsRequest.requests: at most %d requests can be in one batch\n", maxBatch)))
		return
	}
	out := batchEmbedResponse{Embeddings: []embedding{}}
	for i := range req.Requests {
		r := &req.Requests[i]
		if r.Model != "models/"+c.model {
			c.writeError(invalidArgument(fmt.Sprintf("* BatchEmbedContentsRequest.requests[%d].model: the model of each request must be the batch's, models/%s\n", i, c.model)))
			return
		}
		text, dims, e, ok := c.embedText(r, fmt.Sprintf("BatchEmbedContentsRequest.requests[%d]", i))
		if !ok {
			c.writeError(e)
			return
		}
		out.Embeddings = append(out.Embeddings, embedding{Values: Embed(text, dims)})
	}
	c.writeJSON(out)
}

// predictRequest is Vertex AI's PredictRequest for a text embedding model.
type predictRequest struct {
	Instances  []predictInstance `json:"instances"`
	Parameters *struct {
		OutputDimensionality *int  `json:"outputDimensionality"`
		AutoTruncate         *bool `json:"autoTruncate"`
	} `json:"parameters"`
}

// predictInstance is one input; the API reads the fields of the model's
// instance schema and ignores others.
type predictInstance struct {
	Content  *string `json:"content"`
	TaskType string  `json:"task_type"`
	Title    string  `json:"title"`
	MIMEType string  `json:"mimeType"`
}

type predictResponse struct {
	Predictions []prediction `json:"predictions"`
	Metadata    struct {
		BillableCharacterCount int `json:"billableCharacterCount"`
	} `json:"metadata"`
}

type prediction struct {
	Embeddings struct {
		Statistics struct {
			Truncated  bool `json:"truncated"`
			TokenCount int  `json:"token_count"`
		} `json:"statistics"`
		Values []float32 `json:"values"`
	} `json:"embeddings"`
}

// predict serves Vertex AI's {model}:predict for embedding models:
// instances[{content}] → predictions[{embeddings{values, statistics}}].
func (c *call) predict() {
	var req predictRequest
	if e, ok := decodeStrict(c.body, &req); !ok {
		c.writeError(e)
		return
	}
	if !c.serves(true) {
		return
	}
	switch {
	case len(req.Instances) == 0:
		c.writeError(invalidArgument("Invalid request: instances must not be empty."))
		return
	case len(req.Instances) > maxBatch:
		c.writeError(invalidArgument(fmt.Sprintf("Invalid request: at most %d instances can be in one request.", maxBatch)))
		return
	}
	m, _ := lookup(c.model)
	dims := m.dimensions()
	if p := req.Parameters; p != nil && p.OutputDimensionality != nil {
		if *p.OutputDimensionality < 1 || *p.OutputDimensionality > dims {
			c.writeError(invalidArgument(fmt.Sprintf("Invalid request: outputDimensionality must be between 1 and %d.", dims)))
			return
		}
		dims = *p.OutputDimensionality
	}
	var out predictResponse
	for i, in := range req.Instances {
		if in.Content == nil || *in.Content == "" {
			c.writeError(newError(http.StatusBadRequest, fmt.Sprintf("Invalid request: instances[%d].content is required and must be a non-empty string.", i)))
			return
		}
		var p prediction
		p.Embeddings.Values = Embed(*in.Content, dims)
		p.Embeddings.Statistics.TokenCount = CountTokens(*in.Content)
		out.Predictions = append(out.Predictions, p)
		out.Metadata.BillableCharacterCount += len(strings.Join(strings.Fields(*in.Content), ""))
	}
	c.writeJSON(out)
}
