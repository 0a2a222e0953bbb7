package openaitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

const (
	parseErrorMessage = "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)"

	missingKeyMessage = "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys."

	rateLimitMessage = "Rate limit reached for gpt-4o-mini in organization org-test on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s."

	serverErrorMessage = "The server had an error while processing your request. Sorry about that!"

	overloadedMessage = "The engine is currently overloaded, please try again later"
)

// apiError is the OpenAI error object; Param and Code are null when nil.
type apiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// errorBody is the envelope of every OpenAI error response.
type errorBody struct {
	Error apiError `json:"error"`
}

// writeError writes an OpenAI error response, indented by four spaces as
// OpenAI's error bodies are.
func (c *call) writeError(status int, e apiError) {
	c.writeBody(status, errorBody{Error: e}, "    ")
}

// marshal encodes v as compact JSON without HTML escaping, as OpenAI does.
func marshal(v any) ([]byte, error) { return marshalIndent(v, "") }

// marshalIndent encodes v without HTML escaping, indented unless indent is "".
func marshalIndent(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// invalidRequest builds an invalid_request_error; empty param or code are null.
func invalidRequest(msg, param, code string) apiError {
	return apiError{Message: msg, Type: "invalid_request_error", Param: optional(param), Code: optional(code)}
}

func serverError() apiError {
	return apiError{Message: serverErrorMessage, Type: "server_error"}
}

func missingParam(name string) apiError {
	return invalidRequest(fmt.Sprintf("Missing required parameter: '%s'.", name), name, "missing_required_parameter")
}

func invalidValue(param, value string, supported []string) apiError {
	quoted := make([]string, len(supported))
	for i, s := range supported {
		quoted[i] = "'" + s + "'"
	}
	list := strings.Join(quoted, " and ")
	if n := len(quoted); n > 2 {
		list = strings.Join(quoted[:n-1], ", ") + ", and " + quoted[n-1]
	}
	return invalidRequest(fmt.Sprintf("Invalid value: '%s'. Supported values are: %s.", value, list), param, "invalid_value")
}

func modelNotFound(model string) apiError {
	return invalidRequest(fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", model), "", "model_not_found")
}

func unknownURL(method, path string) apiError {
	return invalidRequest(fmt.Sprintf("Unknown request URL: %s %s. Please check the URL for typos, or see the docs at https://platform.openai.com/docs/api-reference/.", method, path), "", "unknown_url")
}

func methodNotAllowed(method, path string) apiError {
	return invalidRequest(fmt.Sprintf("Invalid method for URL (%s %s)", method, path), "", "method_not_allowed")
}

func missingKey() apiError {
	return invalidRequest(missingKeyMessage, "", "")
}

func incorrectKey(key string) apiError {
	return invalidRequest(fmt.Sprintf("Incorrect API key provided: %s. You can find your API key at https://platform.openai.com/account/api-keys.", maskKey(key)), "", "invalid_api_key")
}

// maskKey hides the middle of an API key the way OpenAI's error messages do:
// the first 8 and last 4 characters stay visible. Short keys are shown as is.
func maskKey(key string) string {
	if len(key) <= 12 {
		return key
	}
	return key[:8] + strings.Repeat("*", len(key)-12) + key[len(key)-4:]
}

// decodeError converts a JSON decoding error into OpenAI's 400 error.
func decodeError(err error) apiError {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return invalidRequest(fmt.Sprintf("Invalid type for '%s': expected %s, but got %s instead.",
			typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value), typeErr.Field, "invalid_type")
	}
	return invalidRequest(parseErrorMessage, "", "")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "bool":
		return "a boolean"
	case "float32", "float64":
		return "a decimal"
	default:
		return "an integer"
	}
}

// fail writes the canned error that Fail scripted for status.
func (c *call) fail(status int) {
	if c.s.azure && c.azureFail(status) {
		return
	}
	var e apiError
	switch {
	case status == http.StatusUnauthorized:
		if token, ok := bearerToken(c.r); ok {
			e = incorrectKey(token)
		} else {
			e = missingKey()
		}
	case status == http.StatusForbidden:
		e = apiError{Message: "Country, region, or territory not supported", Type: "request_forbidden",
			Code: optional("unsupported_country_region_territory")}
	case status == http.StatusNotFound:
		e = modelNotFound("gpt-4o-mini")
	case status == http.StatusTooManyRequests:
		h := c.w.Header()
		h.Set("retry-after", "1")
		h.Set("retry-after-ms", "1000")
		h.Set("x-ratelimit-remaining-requests", "0")
		h.Set("x-ratelimit-reset-requests", "1s")
		e = apiError{Message: rateLimitMessage, Type: "requests", Code: optional("rate_limit_exceeded")}
	case status == http.StatusServiceUnavailable:
		e = apiError{Message: overloadedMessage, Type: "server_error"}
	case status == http.StatusBadGateway:
		e = apiError{Message: "Bad gateway.", Type: "server_error"}
	case status == http.StatusGatewayTimeout:
		e = apiError{Message: "Gateway timeout.", Type: "server_error"}
	case status >= 500:
		e = serverError()
	case status == http.StatusBadRequest:
		e = invalidRequest("Invalid request: the request could not be processed.", "", "")
	default:
		text := http.StatusText(status)
		if text == "" {
			text = fmt.Sprintf("Error %d", status)
		}
		e = invalidRequest(text+".", "", "")
	}
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	c.writeError(status, e)
}

// validateChat checks a chat completion request the way OpenAI does. On
// success it returns the text content of every message and status 0.
func validateChat(req *chatRequest) ([]string, int, apiError) {
	bad := func(e apiError) ([]string, int, apiError) { return nil, http.StatusBadRequest, e }
	if req.Model == "" {
		return bad(missingParam("model"))
	}
	if req.Messages == nil {
		return bad(missingParam("messages"))
	}
	msgs := *req.Messages
	if len(msgs) == 0 {
		return bad(invalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "messages", "empty_array"))
	}
	texts := make([]string, len(msgs))
	for i, m := range msgs {
		switch m.Role {
		case "system", "developer", "user", "assistant", "tool", "function":
		case "":
			return bad(missingParam(fmt.Sprintf("messages[%d].role", i)))
		default:
			return bad(invalidValue(fmt.Sprintf("messages[%d].role", i), m.Role,
				[]string{"system", "assistant", "user", "function", "tool", "developer"}))
		}
		text, ok := contentText(m.Content)
		if !ok {
			return bad(invalidRequest(fmt.Sprintf("Invalid type for 'messages[%d].content': expected one of a string or array of objects, but got %s instead.", i, rawKind(m.Content)),
				fmt.Sprintf("messages[%d].content", i), "invalid_type"))
		}
		texts[i] = text
	}
	if e, ok := checkToolSequence(msgs); !ok {
		return bad(e)
	}
	if req.N != nil && *req.N < 1 {
		return bad(invalidRequest(fmt.Sprintf("Invalid 'n': integer below minimum value. Expected a value >= 1, but got %d instead.", *req.N), "n", "integer_below_min_value"))
	}
	if req.N != nil && *req.N > 128 {
		return bad(invalidRequest(fmt.Sprintf("Invalid 'n': integer above maximum value. Expected a value <= 128, but got %d instead.", *req.N), "n", "integer_above_max_value"))
	}
	if req.StreamOptions != nil && !req.Stream {
		return bad(invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options", ""))
	}
	mode, _, ok := parseToolChoice(req.ToolChoice)
	if !ok {
		return bad(invalidRequest(fmt.Sprintf("Invalid value for 'tool_choice': %s.", string(req.ToolChoice)), "tool_choice", "invalid_value"))
	}
	if mode != "" && len(req.Tools) == 0 {
		return bad(invalidRequest("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", "tool_choice", ""))
	}
	if strings.HasPrefix(req.Model, "missing-") {
		return nil, http.StatusNotFound, modelNotFound(req.Model)
	}
	return texts, 0, apiError{}
}

// rawKind names the JSON type of a value that is neither string, array nor null.
func rawKind(raw json.RawMessage) string {
	switch {
	case raw[0] == '{':
		return "an object"
	case raw[0] == 't' || raw[0] == 'f':
		return "a boolean"
	default:
		return "a number"
	}
}

// checkToolSequence enforces OpenAI's rules that tool messages answer a
// preceding assistant message's tool_calls, and that every tool call is
// answered before the conversation continues.
func checkToolSequence(msgs []chatMessage) (apiError, bool) {
	var ids, pending []string
	owner := -1
	unanswered := func() apiError {
		return invalidRequest("An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: "+strings.Join(pending, ", "),
			fmt.Sprintf("messages.[%d].role", owner), "")
	}
	for i, m := range msgs {
		if m.Role == "tool" {
			switch {
			case owner < 0:
				return invalidRequest("Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
					fmt.Sprintf("messages.[%d].role", i), ""), false
			case m.ToolCallID == "":
				return invalidRequest("Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.",
					fmt.Sprintf("messages.[%d].tool_call_id", i), "missing_required_parameter"), false
			case !slices.Contains(ids, m.ToolCallID):
				return invalidRequest(fmt.Sprintf("Invalid parameter: 'tool_call_id' of '%s' not found in 'tool_calls' of previous message.", m.ToolCallID),
					fmt.Sprintf("messages.[%d].tool_call_id", i), ""), false
			}
			pending = slices.DeleteFunc(pending, func(id string) bool { return id == m.ToolCallID })
			continue
		}
		if len(pending) > 0 {
			return unanswered(), false
		}
		ids, pending, owner = nil, nil, -1
		if m.Role == "assistant" && len(m.ToolCalls) > 0 {
			owner = i
			for _, tc := range m.ToolCalls {
				ids = append(ids, tc.ID)
			}
			pending = slices.Clone(ids)
		}
	}
	if len(pending) > 0 {
		return unanswered(), false
	}
	return apiError{}, true
}

// parseToolChoice returns the mode ("" when absent, "none", "auto",
// "required" or "function") and, for "function", the forced function name.
func parseToolChoice(raw json.RawMessage) (mode, name string, ok bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", "", true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, "", s == "none" || s == "auto" || s == "required"
	}
	var obj struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if json.Unmarshal(raw, &obj) != nil || obj.Type != "function" || obj.Function.Name == "" {
		return "", "", false
	}
	return "function", obj.Function.Name, true
}
