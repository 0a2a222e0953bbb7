// Package openai is the gateway.Upstream for OpenAI's API and for servers
// that speak its wire format (chat completions, embeddings, models): the
// OpenAI-compatible hosts (Groq, Together, Mistral, a local Ollama or
// vLLM, ...) and, adapted by its Options, Azure OpenAI (package azure).
//
// An Upstream serves one gateway.Provider: it owns one tuned HTTP
// transport (the provider's connection pool) shared by every request, and
// each call names the gateway.Credential to authenticate with. Besides
// gateway.Upstream it implements gateway.Embedder, gateway.ModelLister,
// gateway.Authorizer and gateway.Metered.
//
// The driver reads these Provider.Options (all strings; the host type's
// Options given to New are their defaults):
//
//	organization       sent as the OpenAI-Organization header
//	project            sent as the OpenAI-Project header
//	auth               how the credential is sent: "bearer" (Authorization:
//	                   Bearer, the default), "api-key" (an api-key header)
//	                   or "none"; an empty secret is never sent
//	model_prefix       added to a bare model name (one without "/") that
//	                   lacks it, in requests: Fireworks'
//	                   "accounts/fireworks/models/"
//	omit_fields        comma-separated top-level chat request fields the
//	                   host refuses, never sent: Mistral answers 422 to
//	                   "stream_options" (its streams report usage anyway)
//	max_tokens_field   "max_tokens" or "max_completion_tokens": the one
//	                   name the host takes for the output token limit; a
//	                   limit the client gave under the other name is sent
//	                   under this one (Mistral refuses
//	                   max_completion_tokens)
//	base_url_required  "true" when the host has no public address (vLLM):
//	                   an empty base_url is then an error instead of
//	                   meaning api.openai.com
package openai

import (
	"github.com/tollgate-ai/tollgate/adapters/providers/internal/openaiapi"
	"github.com/tollgate-ai/tollgate/gateway"
)

// The implementation lives in an internal package shared with the azure
// adapter, so that adapters never import each other; these names are its
// public face.

// DefaultBaseURL is the base URL used when a Provider has none.
const DefaultBaseURL = openaiapi.DefaultBaseURL

// MaxMeteredJSON bounds how much of a JSON response the Meter keeps.
const MaxMeteredJSON = openaiapi.MaxMeteredJSON

type (
	// Upstream speaks OpenAI's API for one provider; see openaiapi.Upstream.
	Upstream = openaiapi.Upstream
	// Config tunes an Upstream's HTTP transport: timeouts and pool sizes.
	Config = openaiapi.Config
	// Option adapts an Upstream to a host that speaks the format with
	// differences (URLs, auth, model names, error bodies).
	Option = openaiapi.Option
	// Auth is how the credential is sent.
	Auth = openaiapi.Auth
	// Operation names a call, for WithURL.
	Operation = openaiapi.Operation
)

// How a credential is sent.
const (
	AuthBearer = openaiapi.AuthBearer
	AuthAPIKey = openaiapi.AuthAPIKey
	AuthNone   = openaiapi.AuthNone
)

// The operations WithURL builds URLs for.
const (
	OpChat   = openaiapi.OpChat
	OpEmbed  = openaiapi.OpEmbed
	OpModels = openaiapi.OpModels
)

// New returns an Upstream for p, adapted to its host by opts and then by
// p.Options (see the package doc).
func New(p *gateway.Provider, cfg Config, opts ...Option) (*Upstream, error) {
	return openaiapi.New(p, cfg, opts...)
}

// Driver returns a gateway.Driver that opens providers of type "openai"
// with New(p, cfg, opts...).
func Driver(cfg Config, opts ...Option) gateway.Driver { return openaiapi.Driver(cfg, opts...) }

// WithName sets the name error messages start with.
func WithName(name string) Option { return openaiapi.WithName(name) }

// WithURL builds the URL of each operation.
func WithURL(url func(op Operation, model string) string) Option { return openaiapi.WithURL(url) }

// WithModel renames the model sent upstream.
func WithModel(model func(string) string) Option { return openaiapi.WithModel(model) }

// WithAuth sets how the credential is sent by default.
func WithAuth(a Auth) Option { return openaiapi.WithAuth(a) }

// WithModelPrefix adds prefix to bare model names sent upstream.
func WithModelPrefix(prefix string) Option { return openaiapi.WithModelPrefix(prefix) }

// WithErrorHook lets a host adjust how its error bodies are mapped.
func WithErrorHook(hook func(e *gateway.Error, body []byte)) Option {
	return openaiapi.WithErrorHook(hook)
}
