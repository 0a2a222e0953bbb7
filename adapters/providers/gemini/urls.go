package gemini

import (
	"net/url"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// modelURL returns the URL of method ("generateContent") on model:
// {base}/models/{model}:{method} on the Gemini API,
// {base}/projects/{p}/locations/{l}/publishers/google/models/{model}:{method}
// on Vertex AI. A model already qualified ("models/...", "tunedModels/...";
// on Vertex AI "publishers/...", "projects/...") keeps its path. A model
// the URL cannot carry (empty, with "..", a query, a fragment, a colon or
// spaces) is CodeInvalid with Field "model".
func (u *Upstream) modelURL(model, method string) (string, error) {
	if !validModel(model) {
		return "", gateway.Invalid("model", "gemini: model %q is not a valid model name", model)
	}
	var path string
	switch {
	case !u.vertex && (strings.HasPrefix(model, "models/") || strings.HasPrefix(model, "tunedModels/")):
		path = model
	case !u.vertex:
		path = "models/" + model
	case strings.HasPrefix(model, "projects/"):
		path = model
	case strings.HasPrefix(model, "publishers/"):
		path = u.scope() + model
	default:
		path = u.scope() + "publishers/google/models/" + model
	}
	return u.base + "/" + path + ":" + method, nil
}

// scope is the Vertex AI path prefix of the provider's project and
// location.
func (u *Upstream) scope() string {
	return "projects/" + u.project + "/locations/" + u.location + "/"
}

// validModel reports whether model can go in a URL path as it is.
func validModel(model string) bool {
	if model == "" || len(model) > 256 || strings.Contains(model, "..") {
		return false
	}
	for _, r := range model {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("-_./@", r):
		default:
			return false
		}
	}
	return !strings.HasPrefix(model, "/") && !strings.HasSuffix(model, "/") && !strings.Contains(model, "//")
}

// modelsURL is the model list's first page: {base}/models on the Gemini
// API; on Vertex AI Google's publisher models, which only v1beta1 lists
// ({root}/v1beta1/publishers/google/models).
func (u *Upstream) modelsURL(pageToken string) string {
	q := url.Values{"pageSize": {"1000"}}
	if pageToken != "" {
		q.Set("pageToken", pageToken)
	}
	if u.vertex {
		return u.root() + "/v1beta1/publishers/google/models?" + q.Encode()
	}
	return u.base + "/models?" + q.Encode()
}

// shortModel returns a model name as clients know it: without the
// "models/" or ".../publishers/google/models/" prefix.
func shortModel(name string) string {
	if i := strings.LastIndex(name, "/models/"); i >= 0 {
		return name[i+len("/models/"):]
	}
	return strings.TrimPrefix(name, "models/")
}
