package openaiapi

import (
	"net/http"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Auth is how a host takes the credential.
type Auth string

// The auth styles of OpenAI-compatible hosts.
const (
	// AuthBearer sends "Authorization: Bearer <secret>" (OpenAI and most
	// compatible hosts; Azure with a Microsoft Entra ID token).
	AuthBearer Auth = "bearer"
	// AuthAPIKey sends "api-key: <secret>" (Azure OpenAI's resource keys).
	AuthAPIKey Auth = "api-key"
	// AuthNone sends no credential (a local Ollama); a call may then be
	// made with a nil Credential.
	AuthNone Auth = "none"
)

// Operation names an endpoint of the API, for WithURL.
type Operation string

// The operations an Upstream calls.
const (
	OpChat   Operation = "chat"       // POST {base}/chat/completions
	OpEmbed  Operation = "embeddings" // POST {base}/embeddings
	OpModels Operation = "models"     // GET {base}/models
)

// path is the operation's path below an OpenAI-style base URL.
func (op Operation) path() string {
	switch op {
	case OpChat:
		return "/chat/completions"
	case OpEmbed:
		return "/embeddings"
	default:
		return "/models"
	}
}

// Option adapts an Upstream to a host that differs from OpenAI in the
// ways the OpenAI-compatible family differs: where each operation lives,
// how the credential is sent, how model names are spelled, and which
// request fields the host refuses. Options given to New are the defaults
// of the host type; the settings an operator puts in Provider.Options
// (see New) override them.
type Option func(*settings)

// settings is what the Options and Provider.Options decide.
type settings struct {
	name        string
	urlFor      func(op Operation, model string) string
	modelMap    func(model string) string
	auth        Auth
	modelPrefix string
	omit        []string
	maxTokens   string
	errorHook   func(e *gateway.Error, body []byte)
}

// WithName names the host in error messages ("azure: request timed
// out"), so a client and a log can tell which provider type failed. The
// default is "openai".
func WithName(name string) Option { return func(s *settings) { s.name = name } }

// WithURL replaces how the URL of each operation is built: url gets the
// operation and the model as sent upstream ("" for OpModels) and returns
// an absolute URL, query included. Hosts that put the model in the path
// (Azure's deployments) or need a query parameter use it; by default the
// URL is the base URL and the operation's OpenAI path.
func WithURL(url func(op Operation, model string) string) Option {
	return func(s *settings) { s.urlFor = url }
}

// WithModel maps the model a client asked for to the name the host knows
// it by (an Azure deployment), after the model prefix is applied. Both
// the request body and WithURL see the mapped name.
func WithModel(model func(string) string) Option { return func(s *settings) { s.modelMap = model } }

// WithAuth sets how the credential is sent; Provider.Options "auth"
// overrides it. The default is AuthBearer.
func WithAuth(a Auth) Option { return func(s *settings) { s.auth = a } }

// WithModelPrefix sets a prefix the host's model names carry that clients
// leave out ("accounts/fireworks/models/"); see Provider.Options
// "model_prefix" in New.
func WithModelPrefix(prefix string) Option { return func(s *settings) { s.modelPrefix = prefix } }

// WithErrorHook lets a host type refine how its error responses map:
// hook gets the error as mapped from an OpenAI-shaped body and the body
// itself (at most httpx.MaxErrorBody bytes) and may change the error. It
// must not put the body's text in the Message unredacted.
func WithErrorHook(hook func(e *gateway.Error, body []byte)) Option {
	return func(s *settings) { s.errorHook = hook }
}

// fromProvider applies the operator's Provider.Options, which override
// the defaults the host type's Options set. CodeInvalid names the option
// at fault.
func (s *settings) fromProvider(opts map[string]string) error {
	if v, ok := opts["auth"]; ok {
		switch a := Auth(strings.ToLower(strings.TrimSpace(v))); a {
		case AuthBearer, AuthAPIKey, AuthNone:
			s.auth = a
		default:
			return gateway.Invalid("options.auth", "options.auth must be bearer, api-key or none")
		}
	}
	if v, ok := opts["model_prefix"]; ok {
		s.modelPrefix = v
	}
	if v, ok := opts["omit_fields"]; ok {
		s.omit = nil
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				if f == "model" || f == "messages" || f == "stream" {
					return gateway.Invalid("options.omit_fields", "options.omit_fields cannot drop %s", f)
				}
				s.omit = append(s.omit, f)
			}
		}
	}
	if v, ok := opts["max_tokens_field"]; ok {
		switch v {
		case "", "max_tokens", "max_completion_tokens":
			s.maxTokens = v
		default:
			return gateway.Invalid("options.max_tokens_field", "options.max_tokens_field must be max_tokens or max_completion_tokens")
		}
	}
	return nil
}

// omits reports whether field is never sent to the host.
func (s *settings) omits(field string) bool {
	for _, f := range s.omit {
		if f == field {
			return true
		}
	}
	return false
}

// upstreamModel is the model name the host knows model by: the prefix
// added to a bare name, then WithModel's mapping. A name with a "/" is
// already qualified ("accounts/me/models/tuned", "nomic-ai/nomic-embed-
// text-v1.5") and keeps its spelling.
func (s *settings) upstreamModel(model string) string {
	if s.modelPrefix != "" && model != "" && !strings.HasPrefix(model, s.modelPrefix) && !strings.Contains(model, "/") {
		model = s.modelPrefix + model
	}
	if s.modelMap != nil {
		model = s.modelMap(model)
	}
	return model
}

// setAuth puts the secret on h the host's way. An empty secret sends
// nothing, so keyless local servers work with any auth style.
func (s *settings) setAuth(h http.Header, secret string) {
	if secret == "" {
		return
	}
	switch s.auth {
	case AuthAPIKey:
		h["Api-Key"] = []string{secret}
	case AuthNone:
	default:
		h["Authorization"] = []string{"Bearer " + secret}
	}
}
