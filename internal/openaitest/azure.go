package openaitest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Azure OpenAI's answers, as its service words them.
const (
	azureMissingKeyMessage  = "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."
	azureInvalidKeyMessage  = "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."
	azureInvalidTokenMesage = "Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired."
	azureNoDeploymentMsg    = "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."
	azureContentFilterMsg   = "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766"
	azureRateLimitMessage   = "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current AIServices S0 pricing tier. Please retry after 1 second. Please contact Azure support service if you would like to further increase the default rate limit."
)

// azureVersion is the form of a dated api-version: "2024-10-21",
// "2025-04-01-preview".
var azureVersion = regexp.MustCompile(`^20\d\d-\d\d-\d\d(-preview)?$`)

// NewAzure starts a server that speaks Azure OpenAI's dialect of the API,
// closed by t.Cleanup. Its URL is the resource endpoint (like
// https://{resource}.openai.azure.com), under which it serves:
//
//	POST /openai/deployments/{deployment}/chat/completions?api-version=...
//	POST /openai/deployments/{deployment}/embeddings?api-version=...
//	GET  /openai/models?api-version=...
//	POST /openai/v1/chat/completions   (the v1 API: the deployment is the
//	POST /openai/v1/embeddings          body's "model"; no api-version)
//	GET  /openai/v1/models
//
// keys are the accepted credentials, as an api-key header or as a
// Microsoft Entra ID bearer token; with none, any non-empty one is taken.
// A dated path without api-version answers 400, an api-version that is
// not a date 400, a wrong key 401, and a deployment not added with Deploy
// 404 (DeploymentNotFound), each with Azure's own error body. Answers
// carry Azure's content filter annotations (prompt_filter_results,
// content_filter_results); see SetContentFilter. Everything else (Fail,
// SetChunks, SetReply, Requests, ...) works as with New.
func NewAzure(t testing.TB, keys ...string) *Server {
	t.Helper()
	s := start(t, true, keys)
	s.URL = s.ts.URL
	return s
}

// Deploy adds a deployment called name that serves model (Azure answers
// with the model's name, such as "gpt-4o-mini-2024-07-18"). Only an Azure
// server (NewAzure) has deployments.
func (s *Server) Deploy(name, model string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deployments == nil {
		s.deployments = make(map[string]string)
	}
	s.deployments[name] = model
}

// SetContentFilter makes an Azure server filter word (case-insensitive):
// a chat request whose messages hold it is refused with Azure's 400
// content_filter error, and a reply that would hold it is cut before it
// and ends with finish_reason "content_filter". "" turns filtering off
// (the default).
func (s *Server) SetContentFilter(word string) {
	s.mu.Lock()
	s.filter = strings.ToLower(word)
	s.mu.Unlock()
}

// azureError is the error object of the answers Azure's gateway gives
// itself: a code and a message.
type azureError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeAzureError writes {"error": e}.
func (c *call) writeAzureError(status int, e azureError) {
	c.writeBody(status, struct {
		Error azureError `json:"error"`
	}{e}, "")
}

// azureRoute is what an Azure path asks for.
type azureRoute struct {
	handler func(*call)
	method  string
	dated   bool // of the dated API, which needs api-version
	// deployed is set when a deployment serves the request: the one the
	// path names (deployment), or for the v1 API the body's "model".
	deployed   bool
	deployment string
}

// routeAzure maps an Azure path to its route; a nil handler if none.
func routeAzure(path string) azureRoute {
	switch path {
	case "/openai/models":
		return azureRoute{handler: (*call).azureModels, method: http.MethodGet, dated: true}
	case "/openai/v1/models":
		return azureRoute{handler: (*call).azureModels, method: http.MethodGet}
	case "/openai/v1/chat/completions":
		return azureRoute{handler: (*call).chatCompletions, method: http.MethodPost, deployed: true}
	case "/openai/v1/embeddings":
		return azureRoute{handler: (*call).embeddings, method: http.MethodPost, deployed: true}
	}
	rest, ok := strings.CutPrefix(path, "/openai/deployments/")
	if !ok {
		return azureRoute{}
	}
	dep, op, ok := strings.Cut(rest, "/")
	if !ok || dep == "" {
		return azureRoute{}
	}
	switch op {
	case "chat/completions":
		return azureRoute{handler: (*call).chatCompletions, method: http.MethodPost, dated: true, deployed: true, deployment: dep}
	case "embeddings":
		return azureRoute{handler: (*call).embeddings, method: http.MethodPost, dated: true, deployed: true, deployment: dep}
	}
	return azureRoute{}
}

// serveAzure routes, checks and serves a request to an Azure server, in
// the order the service checks: path, api-version, credential,
// deployment.
func (c *call) serveAzure() {
	rt := routeAzure(c.r.URL.Path)
	if rt.handler == nil {
		c.writeAzureError(http.StatusNotFound, azureError{Code: "404", Message: "Resource not found"})
		return
	}
	if c.r.Method != rt.method {
		c.w.Header().Set("Allow", rt.method)
		c.writeAzureError(http.StatusMethodNotAllowed, azureError{Code: "405", Message: "Method not allowed"})
		return
	}
	if rt.dated {
		switch v := c.r.URL.Query().Get("api-version"); {
		case v == "":
			c.writeAzureError(http.StatusBadRequest, azureError{Code: "BadRequest", Message: "Missing required query parameter: api-version"})
			return
		case !azureVersion.MatchString(v):
			c.writeAzureError(http.StatusBadRequest, azureError{Code: "BadRequest", Message: "API version not supported"})
			return
		}
	}
	if !c.azureAuthorize() {
		return
	}
	if rt.deployed {
		dep := rt.deployment
		if dep == "" { // the v1 API names the deployment as the model
			var body struct {
				Model string `json:"model"`
			}
			_ = json.Unmarshal(c.body, &body)
			dep = body.Model
		}
		c.s.mu.Lock()
		model, ok := c.s.deployments[dep]
		c.s.mu.Unlock()
		if !ok {
			c.writeAzureError(http.StatusNotFound, azureError{Code: "DeploymentNotFound", Message: azureNoDeploymentMsg})
			return
		}
		c.model = model
	}
	rt.handler(c)
}

// azureAuthorize checks the api-key header, or a bearer token, and writes
// Azure's 401 if neither is accepted.
func (c *call) azureAuthorize() bool {
	if key := c.r.Header.Get("api-key"); key != "" {
		if len(c.s.keys) > 0 && !c.s.keys[key] {
			c.writeAzureError(http.StatusUnauthorized, azureError{Code: "401", Message: azureInvalidKeyMessage})
			return false
		}
		return true
	}
	token, ok := bearerToken(c.r)
	switch {
	case !ok:
		c.writeAzureError(http.StatusUnauthorized, azureError{Code: "401", Message: azureMissingKeyMessage})
		return false
	case len(c.s.keys) > 0 && !c.s.keys[token]:
		c.writeAzureError(http.StatusUnauthorized, azureError{Code: "401", Message: azureInvalidTokenMesage})
		return false
	}
	return true
}

// azureModel is an entry of Azure's model list: what the resource can
// deploy, with its capabilities and lifecycle, and created_at where
// OpenAI says created.
type azureModel struct {
	Status          string          `json:"status"`
	Capabilities    map[string]bool `json:"capabilities"`
	LifecycleStatus string          `json:"lifecycle_status"`
	ID              string          `json:"id"`
	CreatedAt       int64           `json:"created_at"`
	Object          string          `json:"object"`
}

// azureModels serves Azure's GET /openai/models: the models of the
// deployments, or knownModels if there are none.
func (c *call) azureModels() {
	c.s.mu.Lock()
	seen := map[string]bool{}
	var ids []string
	for _, m := range c.s.deployments {
		if !seen[m] {
			seen[m] = true
			ids = append(ids, m)
		}
	}
	c.s.mu.Unlock()
	if len(ids) == 0 {
		for _, m := range knownModels {
			ids = append(ids, m.ID)
		}
	}
	slices.Sort(ids)
	list := struct {
		Data   []azureModel `json:"data"`
		Object string       `json:"object"`
	}{Object: "list"}
	for _, id := range ids {
		embed := strings.Contains(id, "embedding")
		list.Data = append(list.Data, azureModel{Status: "succeeded", LifecycleStatus: "generally-available",
			ID: id, CreatedAt: 1721260800, Object: "model",
			Capabilities: map[string]bool{"chat_completion": !embed, "completion": false, "embeddings": embed,
				"fine_tune": false, "inference": true}})
	}
	c.writeJSON(http.StatusOK, list)
}

// setAzureHeaders sets the headers Azure sends on every response.
func (c *call) setAzureHeaders() {
	h := c.w.Header()
	h.Set("apim-request-id", uuid())
	h.Set("x-request-id", uuid())
	h.Set("x-ms-region", "East US")
	h.Set("x-ratelimit-remaining-requests", strconv.Itoa(limitRequests-1))
	h.Set("x-ratelimit-remaining-tokens", strconv.Itoa(limitTokens-len(c.body)/4-1))
}

// azureFail writes the error Fail scripted for status in Azure's words;
// false for the statuses Azure words as OpenAI does.
func (c *call) azureFail(status int) bool {
	switch status {
	case http.StatusUnauthorized:
		c.writeAzureError(status, azureError{Code: "401", Message: azureInvalidKeyMessage})
	case http.StatusNotFound:
		c.writeAzureError(status, azureError{Code: "DeploymentNotFound", Message: azureNoDeploymentMsg})
	case http.StatusTooManyRequests:
		h := c.w.Header()
		h.Set("retry-after", "1")
		h.Set("retry-after-ms", "1000")
		h.Set("x-ratelimit-remaining-requests", "0")
		c.writeAzureError(status, azureError{Code: "429", Message: azureRateLimitMessage})
	default:
		return false
	}
	return true
}

// uuid returns a random version-4 UUID, as Azure's request ids are.
func uuid() string {
	h := []byte(randomHex(16))
	h[12] = '4'
	return string(h[:8]) + "-" + string(h[8:12]) + "-" + string(h[12:16]) + "-" + string(h[16:20]) + "-" + string(h[20:])
}
