package anthropictest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// The API's messages for the errors Fail scripts.
const (
	invalidRequestMessage = "Your request was malformed or missing some required parameters."
	billingMessage        = "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."
	permissionMessage     = "Your API key does not have permission to use the specified resource."
	tooLargeMessage       = "Request exceeds the maximum allowed number of bytes."
	rateLimitMessage      = "This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later."
	apiErrorMessage       = "Internal server error"
	timeoutMessage        = "Request timed out"
	overloadedMessage     = "Overloaded"
)

// marshal encodes v as compact JSON without HTML escaping, as the API does.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// writeJSON writes v as a JSON response.
func (c *call) writeJSON(status int, v any) {
	data, err := marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data, _ = marshal(c.newError(status, apiErrorMessage))
	}
	h := c.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	c.w.WriteHeader(status)
	_, _ = c.w.Write(data)
}

// writeError writes the API's error body for status.
func (c *call) writeError(status int, msg string) { c.writeJSON(status, c.newError(status, msg)) }

// fail writes the error that Fail scripted for status.
func (c *call) fail(status int) {
	msg := map[int]string{
		http.StatusBadRequest:            invalidRequestMessage,
		http.StatusUnauthorized:          "invalid x-api-key",
		http.StatusPaymentRequired:       billingMessage,
		http.StatusForbidden:             permissionMessage,
		http.StatusNotFound:              "model: claude-missing",
		http.StatusRequestEntityTooLarge: tooLargeMessage,
		http.StatusTooManyRequests:       rateLimitMessage,
		http.StatusGatewayTimeout:        timeoutMessage,
		anthropicwire.StatusOverloaded:   overloadedMessage,
	}[status]
	if status == http.StatusTooManyRequests {
		h := c.w.Header()
		h.Set("retry-after", "1")
		h.Set("anthropic-ratelimit-requests-remaining", "0")
		h.Set("anthropic-ratelimit-requests-reset", time.Now().UTC().Add(time.Second).Format(time.RFC3339))
	}
	if msg == "" && status >= 500 {
		msg = apiErrorMessage
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	c.writeError(status, msg)
}

// decodeError is the API's 400 for a body that does not decode.
func decodeError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fmt.Sprintf("%s: Input should be a valid %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()))
	}
	return "There was an error parsing the body of your request. Please make sure it is valid JSON."
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "slice", "array":
		return "list"
	case "struct", "map", "ptr":
		return "dictionary"
	case "bool":
		return "boolean"
	case "float32", "float64":
		return "number"
	default:
		return "integer"
	}
}
