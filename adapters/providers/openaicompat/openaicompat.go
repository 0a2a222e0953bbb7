// Package openaicompat holds the presets of the OpenAI-compatible family:
// hosts that speak OpenAI's chat completions API (OpenRouter, Groq,
// Together, DeepInfra, Fireworks, Mistral, DeepSeek, xAI, Cerebras,
// Perplexity, a local Ollama or vLLM, and OpenAI itself). It is data, not
// a driver: every preset is served by the "openai" driver
// (adapters/providers/openai), and what a host does differently is said
// in the preset's Options, which that driver reads: "auth",
// "model_prefix", "omit_fields", "max_tokens_field" and
// "base_url_required" (see package openai).
//
// A host gives its presets to the gateway as gateway.Config.Presets =
// openaicompat.Presets(); an operator then creates a provider from a
// preset's name and a key.
//
// Hosts run by the operator (Ollama, vLLM) take no key (KeyOptional).
// vLLM has no address anyone but its operator knows: its preset's BaseURL
// is empty, which the Admin refuses until the operator gives one, and its
// Options set base_url_required so the driver too refuses an empty base
// URL rather than send the requests to api.openai.com. Ollama's default
// is its own default address, http://localhost:11434/v1.
//
// OpenRouter ranks apps by two optional headers, HTTP-Referer (the app's
// URL) and X-Title (its name); they identify the operator's application,
// so the preset leaves them out: set them in the provider's Headers.
//
// The model patterns are a starting point for routing without a binding
// (a request for a model no binding names goes to the providers whose
// patterns match); hosts serve more than the patterns say, and several
// hosts serve the same open models, so operators edit them. Ollama and
// vLLM serve whatever the operator loaded and have none.
package openaicompat

import (
	"maps"
	"slices"

	"github.com/tollgate-ai/tollgate/gateway"
)

// presets is the table, in the order the Admin lists it. Each host's base
// URL is the one its documentation gives for OpenAI client libraries.
var presets = []gateway.Preset{
	{Name: "openai", Title: "OpenAI", BaseURL: "https://api.openai.com/v1",
		Models: []string{"gpt-*", "chatgpt-*", "o1*", "o3*", "o4*", "text-embedding-*"},
		Docs:   "https://platform.openai.com/docs/api-reference"},
	{Name: "openrouter", Title: "OpenRouter", BaseURL: "https://openrouter.ai/api/v1",
		Models: []string{"*/*"}, // every OpenRouter model is named vendor/model
		Docs:   "https://openrouter.ai/docs/api-reference/overview"},
	{Name: "groq", Title: "Groq", BaseURL: "https://api.groq.com/openai/v1",
		Models: []string{"llama-*", "meta-llama/*", "openai/gpt-oss-*", "qwen/*", "moonshotai/*", "groq/*"},
		Docs:   "https://console.groq.com/docs/openai"},
	{Name: "together", Title: "Together AI", BaseURL: "https://api.together.xyz/v1",
		Models: []string{"meta-llama/*", "Qwen/*", "deepseek-ai/*", "mistralai/*", "moonshotai/*", "zai-org/*"},
		Docs:   "https://docs.together.ai/docs/openai-api-compatibility"},
	{Name: "deepinfra", Title: "DeepInfra", BaseURL: "https://api.deepinfra.com/v1/openai",
		Models: []string{"meta-llama/*", "Qwen/*", "deepseek-ai/*", "mistralai/*", "google/*", "microsoft/*", "BAAI/*"},
		Docs:   "https://deepinfra.com/docs/openai_api"},
	// Fireworks names its models accounts/fireworks/models/<name>; the
	// prefix lets clients use the bare name ("llama-v3p1-8b-instruct").
	{Name: "fireworks", Title: "Fireworks AI", BaseURL: "https://api.fireworks.ai/inference/v1",
		Models:  []string{"accounts/fireworks/models/*", "llama-v3*", "deepseek-v3*", "qwen3-*", "kimi-k2-*"},
		Options: map[string]string{"model_prefix": "accounts/fireworks/models/"},
		Docs:    "https://docs.fireworks.ai/tools-sdks/openai-compatibility"},
	// Mistral refuses fields it does not know (422 extra_forbidden):
	// stream_options (its streams end with the usage anyway) and
	// max_completion_tokens (it takes max_tokens).
	{Name: "mistral", Title: "Mistral AI", BaseURL: "https://api.mistral.ai/v1",
		Models:  []string{"mistral-*", "open-mistral-*", "codestral-*", "ministral-*", "magistral-*", "devstral-*", "pixtral-*", "voxtral-*"},
		Options: map[string]string{"omit_fields": "stream_options", "max_tokens_field": "max_tokens"},
		Docs:    "https://docs.mistral.ai/api/"},
	{Name: "deepseek", Title: "DeepSeek", BaseURL: "https://api.deepseek.com",
		Models: []string{"deepseek-chat", "deepseek-reasoner"},
		Docs:   "https://api-docs.deepseek.com/"},
	{Name: "xai", Title: "xAI", BaseURL: "https://api.x.ai/v1",
		Models: []string{"grok-*"},
		Docs:   "https://docs.x.ai/docs/api-reference"},
	{Name: "cerebras", Title: "Cerebras", BaseURL: "https://api.cerebras.ai/v1",
		Models: []string{"llama3.1-*", "llama-3.3-*", "llama-4-*", "qwen-3-*", "gpt-oss-*", "zai-glm-*"},
		Docs:   "https://inference-docs.cerebras.ai/resources/openai"},
	// Perplexity's Sonar API: chat completions at the root, no /v1.
	// Perplexity steers new work to its Agent API (a Responses API, which
	// this driver does not speak) and has announced the end of Sonar chat
	// completions; check its changelog before relying on this preset.
	{Name: "perplexity", Title: "Perplexity Sonar", BaseURL: "https://api.perplexity.ai",
		Models: []string{"sonar*"},
		Docs:   "https://docs.perplexity.ai/docs/sonar/openai-compatibility"},
	{Name: "ollama", Title: "Ollama (local)", BaseURL: "http://localhost:11434/v1",
		Options:     map[string]string{"auth": "none"},
		KeyOptional: true,
		Docs:        "https://docs.ollama.com/api/openai-compatibility"},
	// vLLM takes a key only when started with --api-key: bearer, sent only
	// when the credential has one.
	{Name: "vllm", Title: "vLLM (self-hosted)",
		Options:     map[string]string{"base_url_required": "true"},
		KeyOptional: true,
		Docs:        "https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html"},
}

// Presets returns the presets of the OpenAI-compatible family, all of
// driver type "openai", for gateway.Config.Presets. Each call returns
// fresh copies, which the caller may change.
func Presets() []gateway.Preset {
	out := make([]gateway.Preset, len(presets))
	for i := range presets {
		out[i] = clone(presets[i])
	}
	return out
}

// Preset returns a copy of the preset called name ("groq"), and false if
// there is none.
func Preset(name string) (gateway.Preset, bool) {
	for i := range presets {
		if presets[i].Name == name {
			return clone(presets[i]), true
		}
	}
	return gateway.Preset{}, false
}

// clone copies p so that no caller shares the table's maps and slices. The
// driver type and the auth style are filled in here, the same for all.
func clone(p gateway.Preset) gateway.Preset {
	p.Type = "openai"
	p.Models = slices.Clone(p.Models)
	p.Headers = maps.Clone(p.Headers)
	opts := maps.Clone(p.Options)
	if opts == nil {
		opts = make(map[string]string)
	}
	if _, ok := opts["auth"]; !ok {
		opts["auth"] = "bearer"
	}
	p.Options = opts
	return p
}
