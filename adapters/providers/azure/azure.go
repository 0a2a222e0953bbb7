// Package azure is the gateway.Upstream for Azure OpenAI: provider type
// "azure". Azure speaks OpenAI's wire format with its own addressing and
// credentials, so an Azure provider is an openai.Upstream adapted by
// options (where each call goes, the api-key header, Azure's errors);
// chat, streaming, tools, embeddings, model lists, pass-through
// authorization and metering all come from package openai.
//
// Provider.BaseURL is the resource endpoint,
// https://{resource}.openai.azure.com (required, without /openai).
// Provider.Options (all strings):
//
//	api_version  the dated API version sent as ?api-version=, default
//	             DefaultAPIVersion; "v1" selects the v1 API instead
//	             ({endpoint}/openai/v1/chat/completions, the deployment
//	             named as the body's model, no api-version)
//	deployments  "model=deployment,model2=deployment2": the deployment
//	             that serves each model; a model not listed is taken to be
//	             deployed under its own name
//	auth         "api-key" (the default: an api-key header with a
//	             resource key) or "bearer" (Authorization: Bearer with a
//	             Microsoft Entra ID token as the credential's secret)
//
// The openai driver's other options (model_prefix, omit_fields,
// max_tokens_field) apply too; OpenAI's organization and project do not.
//
// With the dated API a call goes to
// {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...
// (and .../embeddings), and the model list is
// {endpoint}/openai/models?api-version=...: the models the resource can
// deploy, which proves a credential works.
//
// Azure's errors are OpenAI-shaped and map as package openai maps them,
// with "azure: " before the message, and these refinements: a prompt its
// content filter refused (400, code "content_filter") is CodeInvalid with
// Type "content_filter" and the filtered categories in the message; an
// api-version Azure does not take, or an endpoint it does not know (its
// bare 404 "Resource not found"), is CodeUpstream, since the provider's
// settings are at fault rather than the request; a missing deployment is
// CodeNotFound with Type "DeploymentNotFound". A completion the filter
// stopped ends with finish_reason "content_filter", passed on as is, and
// Azure's annotations (prompt_filter_results, content_filter_results) are
// ignored.
package azure

import (
	"net/url"
	"regexp"
	"strings"

	openai "github.com/tollgate-ai/tollgate/adapters/providers/internal/openaiapi"
	"github.com/tollgate-ai/tollgate/gateway"
)

// DefaultAPIVersion is the api-version sent when a provider names none:
// the latest generally available version of Azure OpenAI's dated data
// plane inference API.
const DefaultAPIVersion = "2024-10-21"

// apiVersion is the form of a dated api-version.
var apiVersion = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(-preview)?$`)

// Config tunes an Upstream's HTTP transport: timeouts and pool sizes (the
// same as openai.Config).
type Config = openai.Config

// New returns an Upstream for the Azure OpenAI resource p describes (see
// the package doc); cfg tunes its HTTP transport. A missing or malformed
// base_url is CodeInvalid with Field "base_url", a malformed option
// CodeInvalid with Field "options.<name>".
func New(p *gateway.Provider, cfg Config) (*openai.Upstream, error) {
	endpoint, err := parseEndpoint(p.BaseURL)
	if err != nil {
		return nil, err
	}
	version := DefaultAPIVersion
	if v, ok := p.Options["api_version"]; ok && v != "" {
		if v != "v1" && !apiVersion.MatchString(v) {
			return nil, gateway.Invalid("options.api_version", `options.api_version must be a date such as %q (with "-preview" for a preview version) or "v1"`, DefaultAPIVersion)
		}
		version = v
	}
	deployments, err := parseDeployments(p.Options["deployments"])
	if err != nil {
		return nil, err
	}
	if a, ok := p.Options["auth"]; ok && a != string(openai.AuthAPIKey) && a != string(openai.AuthBearer) {
		return nil, gateway.Invalid("options.auth", "options.auth must be api-key or bearer")
	}

	// The operator's options are read here; the openai package must not
	// read the same keys with other meanings, so it gets a copy without
	// the ones that are Azure's alone.
	q := *p
	q.BaseURL = endpoint
	q.Options = make(map[string]string, len(p.Options))
	for k, v := range p.Options {
		switch k {
		case "api_version", "deployments", "organization", "project", "base_url_required":
		default:
			q.Options[k] = v
		}
	}
	return openai.New(&q, cfg,
		openai.WithName("azure"),
		openai.WithAuth(openai.AuthAPIKey),
		openai.WithModel(func(model string) string {
			if d, ok := deployments[model]; ok {
				return d
			}
			return model
		}),
		openai.WithURL(urls(endpoint, version)),
		openai.WithErrorHook(refineError),
	)
}

// Driver returns a gateway.Driver that opens providers of type "azure"
// with New(p, cfg).
func Driver(cfg Config) gateway.Driver {
	return gateway.DriverFunc(func(p *gateway.Provider) (gateway.Upstream, error) {
		u, err := New(p, cfg)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return u, nil
	})
}

// parseEndpoint checks the resource endpoint and drops a trailing slash.
func parseEndpoint(base string) (string, error) {
	if base == "" {
		return "", gateway.Invalid("base_url", "base_url is required: the resource endpoint, https://{resource}.openai.azure.com")
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return "", gateway.Invalid("base_url", "base_url must be the resource endpoint, an absolute URL such as https://{resource}.openai.azure.com")
	}
	return strings.TrimRight(base, "/"), nil
}

// parseDeployments reads "model=deployment,model2=deployment2".
func parseDeployments(s string) (map[string]string, error) {
	out := make(map[string]string)
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		model, dep, ok := strings.Cut(pair, "=")
		model, dep = strings.TrimSpace(model), strings.TrimSpace(dep)
		if !ok || model == "" || dep == "" {
			return nil, gateway.Invalid("options.deployments", `options.deployments must be "model=deployment" pairs separated by commas`)
		}
		if _, dup := out[model]; dup {
			return nil, gateway.Invalid("options.deployments", "options.deployments names model %q twice", model)
		}
		out[model] = dep
	}
	return out, nil
}

// urls returns where each operation goes: the deployment's path with the
// api-version, or the v1 API's paths.
func urls(endpoint, version string) func(op openai.Operation, deployment string) string {
	if version == "v1" {
		return func(op openai.Operation, _ string) string {
			switch op {
			case openai.OpChat:
				return endpoint + "/openai/v1/chat/completions"
			case openai.OpEmbed:
				return endpoint + "/openai/v1/embeddings"
			default:
				return endpoint + "/openai/v1/models"
			}
		}
	}
	query := "?api-version=" + url.QueryEscape(version)
	return func(op openai.Operation, deployment string) string {
		switch op {
		case openai.OpChat:
			return endpoint + "/openai/deployments/" + url.PathEscape(deployment) + "/chat/completions" + query
		case openai.OpEmbed:
			return endpoint + "/openai/deployments/" + url.PathEscape(deployment) + "/embeddings" + query
		default:
			return endpoint + "/openai/models" + query
		}
	}
}
