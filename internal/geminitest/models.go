package geminitest

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

const (
	defaultPageSize = 1000 // the API's largest page
	listPageSize    = 50   // the API's page when the request names none
)

// modelInfo is a Model of the Gemini API's model list.
type modelInfo struct {
	Name                       string   `json:"name"`
	Version                    string   `json:"version"`
	DisplayName                string   `json:"displayName"`
	Description                string   `json:"description"`
	InputTokenLimit            int      `json:"inputTokenLimit"`
	OutputTokenLimit           int      `json:"outputTokenLimit"`
	SupportedGenerationMethods []string `json:"supportedGenerationMethods"`
	Temperature                *float64 `json:"temperature,omitempty"`
	TopP                       *float64 `json:"topP,omitempty"`
	TopK                       *int     `json:"topK,omitempty"`
	MaxTemperature             *float64 `json:"maxTemperature,omitempty"`
	Thinking                   bool     `json:"thinking,omitempty"`
}

func ptr[T any](v T) *T { return &v }

var chatMethods = []string{"generateContent", "countTokens", "createCachedContent", "batchGenerateContent"}
var embedMethods = []string{"embedContent", "countTextTokens", "countTokens", "asyncBatchEmbedContent"}

func chatModel(id, display string, out int, thinking bool) modelInfo {
	topK := 64
	if !thinking {
		topK = 40
	}
	return modelInfo{Name: "models/" + id, Version: "001", DisplayName: display,
		Description: display + ", a test double of Google's model", InputTokenLimit: 1048576, OutputTokenLimit: out,
		SupportedGenerationMethods: chatMethods, Temperature: ptr(1.0), TopP: ptr(0.95), TopK: &topK,
		MaxTemperature: ptr(2.0), Thinking: thinking}
}

func embedModel(id, display string) modelInfo {
	return modelInfo{Name: "models/" + id, Version: "001", DisplayName: display,
		Description: display + ", a test double of Google's model", InputTokenLimit: 2048, OutputTokenLimit: 1,
		SupportedGenerationMethods: embedMethods}
}

// Models returns the names of the models the server lists, in order
// (without "models/"). Requests also take any other model whose name
// starts with "gemini-" (an embedding model if its name holds
// "embedding"), so new model names work; other names are 404. Embeddings
// have 3072 values by default from gemini-embedding-* models, 768 from the
// others.
func Models() []string {
	out := make([]string, len(catalog))
	for i, m := range catalog {
		out[i] = strings.TrimPrefix(m.Name, "models/")
	}
	return out
}

var catalog = []modelInfo{
	chatModel("gemini-2.5-pro", "Gemini 2.5 Pro", 65536, true),
	chatModel("gemini-2.5-flash", "Gemini 2.5 Flash", 65536, true),
	chatModel("gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", 65536, true),
	chatModel("gemini-2.0-flash", "Gemini 2.0 Flash", 8192, false),
	embedModel("gemini-embedding-001", "Gemini Embedding 001"),
	embedModel("text-embedding-004", "Text Embedding 004"),
	embedModel("text-embedding-005", "Text Embedding 005"),
}

// lookup returns the model called name (without "models/").
func lookup(name string) (modelInfo, bool) {
	for _, m := range catalog {
		if m.Name == "models/"+name {
			return m, true
		}
	}
	if strings.HasPrefix(name, "gemini-") {
		if strings.Contains(name, "embedding") {
			return embedModel(name, name), true
		}
		return chatModel(name, name, 65536, true), true
	}
	return modelInfo{}, false
}

// embedding reports whether m makes embeddings.
func (m modelInfo) embedding() bool {
	return slices.Contains(m.SupportedGenerationMethods, "embedContent")
}

// dimensions is the model's default embedding size.
func (m modelInfo) dimensions() int {
	if strings.Contains(m.Name, "gemini-embedding") {
		return 3072
	}
	return 768
}

// serves reports whether the call's model exists and serves its method;
// if not, it writes the API's 404.
func (c *call) serves(embed bool) bool {
	m, ok := lookup(c.model)
	if !ok || m.embedding() != embed {
		c.writeError(c.modelNotFound())
		return false
	}
	return true
}

// modelList is the Gemini API's ListModelsResponse.
type modelList struct {
	Models        []modelInfo `json:"models"`
	NextPageToken string      `json:"nextPageToken,omitempty"`
}

// publisherModel is Vertex AI's PublisherModel, as far as its list says.
type publisherModel struct {
	Name        string `json:"name"`
	VersionID   string `json:"versionId"`
	OpenSource  string `json:"openSourceCategory"`
	LaunchStage string `json:"launchStage"`
}

// publisherModelList is Vertex AI's ListPublisherModelsResponse.
type publisherModelList struct {
	PublisherModels []publisherModel `json:"publisherModels"`
	NextPageToken   string           `json:"nextPageToken,omitempty"`
}

// page reads pageSize and pageToken and returns the range of catalog the
// page holds and the next page's token; ok is false (the error written)
// for a token the server did not give.
func (c *call) page() (start, end int, next string, ok bool) {
	q := c.r.URL.Query()
	size := listPageSize
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.writeError(badJSON("Invalid value at 'page_size' (TYPE_INT32), \"" + v + "\""))
			return 0, 0, "", false
		}
		if n > 0 {
			size = min(n, defaultPageSize)
		}
	}
	size = min(size, c.opts.pageSize)
	if tok := q.Get("pageToken"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		n, convErr := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if err != nil || convErr != nil || !strings.HasPrefix(string(raw), "offset:") || n < 0 || n > len(catalog) {
			c.writeError(invalidArgument("Invalid page token."))
			return 0, 0, "", false
		}
		start = n
	}
	end = min(start+size, len(catalog))
	if end < len(catalog) {
		next = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	}
	return start, end, next, true
}

// listModels serves GET /v1beta/models.
func (c *call) listModels() {
	start, end, next, ok := c.page()
	if !ok {
		return
	}
	c.writeJSON(modelList{Models: catalog[start:end], NextPageToken: next})
}

// listPublisherModels serves Vertex AI's GET
// /v1beta1/publishers/google/models.
func (c *call) listPublisherModels() {
	start, end, next, ok := c.page()
	if !ok {
		return
	}
	out := publisherModelList{PublisherModels: []publisherModel{}, NextPageToken: next}
	for _, m := range catalog[start:end] {
		out.PublisherModels = append(out.PublisherModels, publisherModel{
			Name: "publishers/google/models/" + strings.TrimPrefix(m.Name, "models/"), VersionID: m.Version,
			OpenSource: "PROPRIETARY", LaunchStage: "GA"})
	}
	c.writeJSON(out)
}

// getModel serves GET /v1beta/models/{model}.
func (c *call) getModel() {
	for _, m := range catalog {
		if m.Name == "models/"+c.model {
			c.writeJSON(m)
			return
		}
	}
	c.writeError(newError(http.StatusNotFound, "models/"+c.model+" is not found for API version "+c.version+", or is not supported for getModel."))
}

// countTokensRequest is CountTokensRequest: contents, or a whole
// generateContentRequest (Gemini API), or contents with the request's
// other fields (Vertex AI).
type countTokensRequest struct {
	Contents               []content        `json:"contents"`
	GenerateContentRequest *generateRequest `json:"generateContentRequest"`
	SystemInstruction      *content         `json:"systemInstruction"`
	Tools                  []tool           `json:"tools"`
	GenerationConfig       *generationCfg   `json:"generationConfig"`
}

type countTokensResponse struct {
	TotalTokens             int                  `json:"totalTokens"`
	TotalBillableCharacters *int                 `json:"totalBillableCharacters,omitempty"` // Vertex only
	PromptTokensDetails     []modalityTokenCount `json:"promptTokensDetails,omitempty"`
}

// countTokens serves {model}:countTokens.
func (c *call) countTokens() {
	var req countTokensRequest
	if e, ok := decodeStrict(c.body, &req); !ok {
		c.writeError(e)
		return
	}
	if !c.serves(false) {
		return
	}
	g := req.GenerateContentRequest
	switch {
	case g != nil && len(req.Contents) > 0:
		c.writeError(invalidArgument("* CountTokensRequest: contents and generate_content_request are mutually exclusive.\n"))
		return
	case g == nil:
		g = &generateRequest{Contents: req.Contents, SystemInstruction: req.SystemInstruction, Tools: req.Tools,
			GenerationConfig: req.GenerationConfig}
	}
	if e, ok := validate(g, "CountTokensRequest"); !ok {
		c.writeError(e)
		return
	}
	n := promptTokens(g)
	out := countTokensResponse{TotalTokens: n, PromptTokensDetails: []modalityTokenCount{{Modality: "TEXT", TokenCount: n}}}
	if c.vertex {
		chars := 0
		for _, t := range requestTexts(g) {
			chars += len(strings.Join(strings.Fields(t), ""))
		}
		out.TotalBillableCharacters = &chars
	}
	c.writeJSON(out)
}
