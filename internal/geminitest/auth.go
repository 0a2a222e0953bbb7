package geminitest

import "strings"

// authorize checks the credential the way the request's API does and
// writes its error if it is not accepted: the Gemini API takes a key in
// x-goog-api-key or ?key= (or an OAuth token as Bearer), answering 403
// without one and 400 API_KEY_INVALID for an unknown one; Vertex AI takes
// a Bearer access token, answering 401 without a usable one.
func (c *call) authorize() bool {
	bearer := ""
	if scheme, token, ok := strings.Cut(c.r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		bearer = strings.TrimSpace(token)
	}
	accepted := func(k string) bool { return len(c.s.keys) == 0 || c.s.keys[k] }
	if c.vertex {
		switch {
		case bearer == "":
			c.writeError(unauthenticated("CREDENTIALS_MISSING", c.rpcMethod()))
			return false
		case !accepted(bearer):
			c.writeError(unauthenticated("ACCESS_TOKEN_TYPE_UNSUPPORTED", c.rpcMethod()))
			return false
		}
		return true
	}
	key := c.r.Header.Get("x-goog-api-key")
	if key == "" {
		key = c.r.URL.Query().Get("key")
	}
	switch {
	case key == "" && bearer == "":
		c.writeError(unregistered())
		return false
	case key == "" && !accepted(bearer):
		c.writeError(unauthenticated("ACCESS_TOKEN_TYPE_UNSUPPORTED", c.rpcMethod()))
		return false
	case key != "" && !accepted(key):
		c.writeError(keyInvalid())
		return false
	}
	return true
}

// rpcMethod names the RPC of the call, as ErrorInfo metadata does.
func (c *call) rpcMethod() string {
	m := c.method
	if m == "" {
		m = "ListModels"
	} else {
		m = strings.ToUpper(m[:1]) + m[1:]
	}
	if c.vertex {
		return "google.cloud.aiplatform." + c.version + ".PredictionService." + m
	}
	return "google.ai.generativelanguage." + c.version + ".GenerativeService." + m
}

// resource is the Vertex AI resource name of the call's model.
func (c *call) resource() string {
	return "projects/" + c.project + "/locations/" + c.location + "/publishers/google/models/" + c.model
}
