package geminitest

import (
	"fmt"
	"html"
	"net/http"
	"strconv"
)

// Messages of the API's error bodies, as it words them.
const (
	unregisteredMessage   = "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."
	keyInvalidMessage     = "API key not valid. Please pass a valid API key."
	unauthenticatedPrefix = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
	quotaMessage          = "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 10, model: gemini-2.5-flash\nPlease retry in 37.273855415s."
	vertexQuotaMessage    = "Resource exhausted. Please try again later. Please refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details."
	internalMessage       = "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"
	overloadedMessage     = "The model is overloaded. Please try again later."
	methodNotFoundMessage = "Method not found."
	invalidJSONPrefix     = "Invalid JSON payload received. "
	imageMessage          = "Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"
	deadlineMessage       = "Deadline expired before operation could complete."
)

// RetryDelay is the retryDelay of the RetryInfo detail a scripted 429
// carries (Fail), written as the API writes durations.
const RetryDelay = "37s"

// apiError is google.rpc.Status as the API prints it.
type apiError struct {
	Code    int      `json:"code"`
	Message string   `json:"message"`
	Status  string   `json:"status"`
	Details []detail `json:"details,omitempty"`
}

// detail is one of the google.rpc detail messages an error carries; only
// the fields of the kinds the server sends are set.
type detail struct {
	Type            string            `json:"@type"`
	Reason          string            `json:"reason,omitempty"`
	Domain          string            `json:"domain,omitempty"`
	Metadata        map[string]string `json:"metadata,omitempty"`
	Locale          string            `json:"locale,omitempty"`
	Message         string            `json:"message,omitempty"`
	Violations      []violation       `json:"violations,omitempty"`
	FieldViolations []fieldViolation  `json:"fieldViolations,omitempty"`
	Links           []link            `json:"links,omitempty"`
	RetryDelay      string            `json:"retryDelay,omitempty"`
}

type violation struct {
	QuotaMetric     string            `json:"quotaMetric"`
	QuotaID         string            `json:"quotaId"`
	QuotaDimensions map[string]string `json:"quotaDimensions"`
	QuotaValue      string            `json:"quotaValue"`
}

type fieldViolation struct {
	Field       string `json:"field,omitempty"`
	Description string `json:"description"`
}

type link struct {
	Description string `json:"description"`
	URL         string `json:"url"`
}

// errorBody is the envelope of every error response.
type errorBody struct {
	Error apiError `json:"error"`
}

const typePrefix = "type.googleapis.com/google.rpc."

// statusName is the canonical google.rpc.Code name the API gives status.
func statusName(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusConflict:
		return "ABORTED"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	case 499:
		return "CANCELLED"
	case http.StatusNotImplemented:
		return "UNIMPLEMENTED"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	case http.StatusGatewayTimeout:
		return "DEADLINE_EXCEEDED"
	}
	return "INTERNAL"
}

// newError is an error with no details.
func newError(status int, msg string) apiError {
	return apiError{Code: status, Message: msg, Status: statusName(status)}
}

// invalidArgument is a 400 whose message lists one violated field as the
// API does ("* GenerateContentRequest.contents: contents is not
// specified\n").
func invalidArgument(msg string) apiError {
	return newError(http.StatusBadRequest, msg)
}

// badJSON is the 400 for a body the API cannot parse; the description is
// repeated in a BadRequest detail.
func badJSON(description string) apiError {
	e := newError(http.StatusBadRequest, invalidJSONPrefix+description)
	e.Details = []detail{{Type: typePrefix + "BadRequest",
		FieldViolations: []fieldViolation{{Description: invalidJSONPrefix + description}}}}
	return e
}

// keyInvalid is the Gemini API's 400 for an API key it does not know.
func keyInvalid() apiError {
	e := newError(http.StatusBadRequest, keyInvalidMessage)
	e.Details = []detail{
		{Type: typePrefix + "ErrorInfo", Reason: "API_KEY_INVALID", Domain: "googleapis.com",
			Metadata: map[string]string{"service": "generativelanguage.googleapis.com"}},
		{Type: typePrefix + "LocalizedMessage", Locale: "en-US", Message: keyInvalidMessage},
	}
	return e
}

// unregistered is the Gemini API's 403 for a request with no key at all.
func unregistered() apiError { return newError(http.StatusForbidden, unregisteredMessage) }

// unauthenticated is Vertex AI's 401 for a missing or unusable access
// token; reason is CREDENTIALS_MISSING or ACCESS_TOKEN_TYPE_UNSUPPORTED.
func unauthenticated(reason, method string) apiError {
	e := newError(http.StatusUnauthorized, unauthenticatedPrefix)
	e.Details = []detail{{Type: typePrefix + "ErrorInfo", Reason: reason, Domain: "googleapis.com",
		Metadata: map[string]string{"method": method, "service": "aiplatform.googleapis.com"}}}
	return e
}

// permissionDenied is Vertex AI's 403 for a project the caller may not use.
func permissionDenied(resource string) apiError {
	e := newError(http.StatusForbidden, fmt.Sprintf("Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/%s' (or it may not exist).", resource))
	e.Details = []detail{{Type: typePrefix + "ErrorInfo", Reason: "IAM_PERMISSION_DENIED", Domain: "aiplatform.googleapis.com",
		Metadata: map[string]string{"permission": "aiplatform.endpoints.predict", "resource": resource}}}
	return e
}

// quotaExceeded is the 429 of an exhausted quota, with the QuotaFailure,
// Help and RetryInfo details the Gemini API sends; Vertex AI sends a
// shorter body with no details.
func quotaExceeded(model string, vertex bool) apiError {
	if vertex {
		return newError(http.StatusTooManyRequests, vertexQuotaMessage)
	}
	e := newError(http.StatusTooManyRequests, quotaMessage)
	e.Details = []detail{
		{Type: typePrefix + "QuotaFailure", Violations: []violation{{
			QuotaMetric:     "generativelanguage.googleapis.com/generate_content_free_tier_requests",
			QuotaID:         "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
			QuotaDimensions: map[string]string{"location": "global", "model": model},
			QuotaValue:      "10"}}},
		{Type: typePrefix + "Help", Links: []link{{Description: "Learn more about Gemini API quotas",
			URL: "https://ai.google.dev/gemini-api/docs/rate-limits"}}},
		{Type: typePrefix + "RetryInfo", RetryDelay: RetryDelay},
	}
	return e
}

// failure is the error body Fail scripts for status: the one the API sends
// for it in the style of the request (Vertex AI or the Gemini API).
func (c *call) failure(status int) apiError {
	switch status {
	case http.StatusBadRequest:
		if c.vertex {
			return invalidArgument("Request contains an invalid argument.")
		}
		return keyInvalid()
	case http.StatusUnauthorized:
		return unauthenticated("ACCESS_TOKEN_TYPE_UNSUPPORTED", c.rpcMethod())
	case http.StatusForbidden:
		if c.vertex {
			return permissionDenied(c.resource())
		}
		return unregistered()
	case http.StatusNotFound:
		return c.modelNotFound()
	case http.StatusTooManyRequests:
		return quotaExceeded(c.model, c.vertex)
	case http.StatusServiceUnavailable:
		return newError(status, overloadedMessage)
	case http.StatusGatewayTimeout:
		return newError(status, deadlineMessage)
	case http.StatusInternalServerError:
		return newError(status, internalMessage)
	}
	return newError(status, http.StatusText(status))
}

// modelNotFound is the 404 for a model the API does not serve (or does not
// serve for this method).
func (c *call) modelNotFound() apiError {
	if c.vertex {
		return newError(http.StatusNotFound, fmt.Sprintf("Publisher Model `%s` was not found or your project does not have access to it. Please ensure you are using a valid model version. For more information, see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions", c.resource()))
	}
	return newError(http.StatusNotFound, fmt.Sprintf("models/%s is not found for API version %s, or is not supported for %s. Call ListModels to see the list of available models and their supported methods.", c.model, c.version, c.method))
}

// writeError writes e with its status, pretty-printed as the API does. A
// streamed call without alt=sse gets it inside a JSON array, as the API
// answers such calls.
func (c *call) writeError(e apiError) {
	data, err := marshalIndent(errorBody{Error: e})
	if err != nil {
		data = []byte(`{"error": {"code": 500, "message": "internal", "status": "INTERNAL"}}`)
	}
	if c.method == "streamGenerateContent" && !c.sse {
		data = append(append([]byte("["), data...), ']')
	}
	h := c.w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(data)+1))
	c.w.WriteHeader(e.Code)
	_, _ = c.w.Write(append(data, '\n'))
}

// notFoundPage is the HTML page Google's front end answers for a path no
// API serves.
const notFoundPage = `<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <title>Error 404 (Not Found)!!1</title>
  <p><b>404.</b> <ins>That’s an error.</ins>
  <p>The requested URL <code>%s</code> was not found on this server.  <ins>That’s all we know.</ins>
`

// writeNotFoundPage answers a path that is not an API's.
func (c *call) writeNotFoundPage() {
	h := c.w.Header()
	h.Set("Content-Type", "text/html; charset=UTF-8")
	c.w.WriteHeader(http.StatusNotFound)
	_, _ = fmt.Fprintf(c.w, notFoundPage, html.EscapeString(c.r.URL.Path))
}
