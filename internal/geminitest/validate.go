package geminitest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// decodeStrict decodes body into v the way the API reads a request: a field
// it does not know, a value of the wrong type or malformed JSON is a 400
// with the API's "Invalid JSON payload received." message. An empty body
// is an empty request. The API also takes the proto's snake_case names;
// this server takes the lowerCamelCase ones the SDKs send.
func decodeStrict(body []byte, v any) (apiError, bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return apiError{}, true
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, more := dec.Token(); more != io.EOF {
			return badJSON("Unexpected token."), false
		}
		return apiError{}, true
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return badJSON(fmt.Sprintf("Invalid value at '%s' (%s), %s", protoPath(typeErr.Field), typeErr.Value, "cannot be converted")), false
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return badJSON("Unexpected token."), false
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return badJSON(fmt.Sprintf("Unknown name %s: Cannot find field.", name)), false
	}
	return badJSON("Unexpected token."), false
}

// protoPath turns a Go decoding path ("contents.0.parts") into the API's
// ("contents[0].parts").
func protoPath(field string) string {
	var b strings.Builder
	for i, seg := range strings.Split(field, ".") {
		if seg != "" && strings.Trim(seg, "0123456789") == "" {
			b.WriteString("[" + seg + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// functionName is what the API takes as a function's name.
var functionName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$`)

// Values the API takes in enums the server checks.
var (
	callingModes   = map[string]bool{"": true, "MODE_UNSPECIFIED": true, "AUTO": true, "ANY": true, "NONE": true, "VALIDATED": true}
	responseMIMEs  = map[string]bool{"": true, "text/plain": true, "application/json": true, "application/xml": true, "application/yaml": true, "text/x.enum": true}
	harmCategories = map[string]bool{"HARM_CATEGORY_HARASSMENT": true, "HARM_CATEGORY_HATE_SPEECH": true, "HARM_CATEGORY_SEXUALLY_EXPLICIT": true,
		"HARM_CATEGORY_DANGEROUS_CONTENT": true, "HARM_CATEGORY_CIVIC_INTEGRITY": true, "HARM_CATEGORY_UNSPECIFIED": true}
	thresholds = map[string]bool{"HARM_BLOCK_THRESHOLD_UNSPECIFIED": true, "BLOCK_LOW_AND_ABOVE": true, "BLOCK_MEDIUM_AND_ABOVE": true,
		"BLOCK_ONLY_HIGH": true, "BLOCK_NONE": true, "OFF": true}
)

// validate checks a generateContent request as the API does and returns
// its 400 for the first fault; ok is true when there is none. prefix is the
// message's name for the request ("GenerateContentRequest").
func validate(req *generateRequest, prefix string) (apiError, bool) {
	bad := func(format string, args ...any) (apiError, bool) {
		return invalidArgument("* " + prefix + "." + fmt.Sprintf(format, args...) + "\n"), false
	}
	if len(req.Contents) == 0 {
		return bad("contents: contents is not specified")
	}
	for i, c := range req.Contents {
		if c.Role != "" && c.Role != "user" && c.Role != "model" {
			return invalidArgument("Please use a valid role: user, model."), false
		}
		if len(c.Parts) == 0 {
			return bad("contents[%d].parts: contents.parts must not be empty.", i)
		}
		for j := range c.Parts {
			if e, ok := validatePart(&c.Parts[j], fmt.Sprintf("contents[%d].parts[%d]", i, j), bad); !ok {
				return e, false
			}
		}
	}
	if si := req.SystemInstruction; si != nil {
		for j := range si.Parts {
			if e, ok := validatePart(&si.Parts[j], fmt.Sprintf("system_instruction.parts[%d]", j), bad); !ok {
				return e, false
			}
		}
	}
	declared := map[string]bool{}
	for i, t := range req.Tools {
		for j, d := range t.FunctionDeclarations {
			at := fmt.Sprintf("tools[%d].function_declarations[%d]", i, j)
			switch {
			case !functionName.MatchString(d.Name):
				return bad("%s.name: Invalid function name. Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores, dots, colons and dashes, with a maximum length of 128.", at)
			case declared[d.Name]:
				return invalidArgument("Duplicate function declaration found: " + d.Name), false
			case len(d.Parameters) > 0 && len(d.ParametersJSONSchema) > 0:
				return bad("%s: parameters and parameters_json_schema are mutually exclusive.", at)
			case len(d.Parameters) > 0 && !isObject(d.Parameters):
				return bad("%s.parameters: parameters must be an object.", at)
			case len(d.ParametersJSONSchema) > 0 && !objectSchema(d.ParametersJSONSchema):
				return bad("%s.parameters_json_schema: the schema must describe an object.", at)
			}
			declared[d.Name] = true
		}
	}
	if tc := req.ToolConfig; tc != nil && tc.FunctionCallingConfig != nil {
		fc := tc.FunctionCallingConfig
		if !callingModes[fc.Mode] {
			return badJSON(fmt.Sprintf("Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), %q", fc.Mode)), false
		}
		if len(fc.AllowedFunctionNames) > 0 && fc.Mode != "ANY" && fc.Mode != "VALIDATED" {
			return bad("tool_config.function_calling_config.allowed_function_names: allowed_function_names may be set only when the mode is ANY.")
		}
		for _, n := range fc.AllowedFunctionNames {
			if !declared[n] {
				return bad("tool_config.function_calling_config.allowed_function_names: allowed function %q is not declared.", n)
			}
		}
	}
	for i, s := range req.SafetySettings {
		if !harmCategories[s.Category] || !thresholds[s.Threshold] {
			return bad("safety_settings[%d]: invalid category or threshold.", i)
		}
	}
	return validateConfig(req.GenerationConfig, bad)
}

// validatePart checks one part: exactly one kind of data, and data the API
// can read.
func validatePart(p *part, at string, bad func(string, ...any) (apiError, bool)) (apiError, bool) {
	kinds := 0
	for _, set := range []bool{p.Text != "", p.InlineData != nil, p.FileData != nil, p.FunctionCall != nil,
		p.FunctionResponse != nil, len(p.ExecutableCode) > 0, len(p.CodeExecutionResult) > 0} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds == 0:
		return bad("%s.data: required oneof field 'data' must have one initialized field", at)
	case kinds > 1:
		return bad("%s.data: oneof field 'data' is already set. Only one of its fields may be set.", at)
	}
	switch {
	case p.InlineData != nil:
		return validateBlob(p.InlineData, at, bad)
	case p.FileData != nil:
		if p.FileData.FileURI == "" {
			return bad("%s.file_data.file_uri: file_uri is required.", at)
		}
		if p.FileData.MIMEType == "" {
			return bad("%s.file_data.mime_type: mime_type is required.", at)
		}
	case p.FunctionCall != nil:
		if p.FunctionCall.Name == "" {
			return bad("%s.function_call.name: name is not specified.", at)
		}
		if len(p.FunctionCall.Args) > 0 && !isObject(p.FunctionCall.Args) {
			return badJSON(fmt.Sprintf("Invalid value at '%s.function_call.args' (type.googleapis.com/google.protobuf.Struct), %s", at, p.FunctionCall.Args)), false
		}
	case p.FunctionResponse != nil:
		if p.FunctionResponse.Name == "" {
			return bad("%s.function_response.name: Name cannot be empty.", at)
		}
		if !isObject(p.FunctionResponse.Response) {
			return badJSON(fmt.Sprintf("Invalid value at '%s.function_response.response' (type.googleapis.com/google.protobuf.Struct), %s", at, p.FunctionResponse.Response)), false
		}
	}
	return apiError{}, true
}

// validateBlob checks inline data: base64 the API decodes, a media type it
// takes, and for images bytes that are the image they claim to be.
func validateBlob(b *blob, at string, bad func(string, ...any) (apiError, bool)) (apiError, bool) {
	if b.MIMEType == "" {
		return bad("%s.inline_data.mime_type: mime_type is required.", at)
	}
	data, err := decodeBytes(b.Data)
	if err != nil || len(data) == 0 {
		return badJSON(fmt.Sprintf("Invalid value at '%s.inline_data.data' (TYPE_BYTES), Base64 decoding failed for %q", at, truncate(b.Data, 32))), false
	}
	mt := strings.ToLower(b.MIMEType)
	switch {
	case strings.HasPrefix(mt, "image/"):
		kind, ok := imageKinds[mt]
		if !ok {
			return invalidArgument("Unsupported MIME type: " + b.MIMEType), false
		}
		if !kind(data) {
			return invalidArgument(imageMessage), false
		}
	case strings.HasPrefix(mt, "audio/"), strings.HasPrefix(mt, "video/"), strings.HasPrefix(mt, "text/"),
		mt == "application/pdf", mt == "application/json":
	default:
		return invalidArgument("Unsupported MIME type: " + b.MIMEType), false
	}
	return apiError{}, true
}

// imageKinds recognise the image types the API takes by their first bytes.
var imageKinds = map[string]func([]byte) bool{
	"image/png":  func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) },
	"image/jpeg": func(b []byte) bool { return bytes.HasPrefix(b, []byte("\xff\xd8\xff")) },
	"image/webp": func(b []byte) bool { return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" },
	"image/heic": isFtyp,
	"image/heif": isFtyp,
}

func isFtyp(b []byte) bool { return len(b) >= 12 && string(b[4:8]) == "ftyp" }

// decodeBytes decodes a proto bytes field: standard or URL-safe base64,
// padded or not.
func decodeBytes(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// validateConfig checks generationConfig's ranges and combinations.
func validateConfig(g *generationCfg, bad func(string, ...any) (apiError, bool)) (apiError, bool) {
	if g == nil {
		return apiError{}, true
	}
	switch {
	case g.CandidateCount != nil && (*g.CandidateCount < 1 || *g.CandidateCount > 8):
		return bad("generation_config.candidate_count: candidate_count must be between 1 and 8.")
	case g.Temperature != nil && (*g.Temperature < 0 || *g.Temperature > 2):
		return bad("generation_config.temperature: temperature must be between 0 and 2.")
	case g.TopP != nil && (*g.TopP < 0 || *g.TopP > 1):
		return bad("generation_config.top_p: top_p must be between 0 and 1.")
	case g.MaxOutputTokens != nil && *g.MaxOutputTokens < 0:
		return bad("generation_config.max_output_tokens: max_output_tokens must be positive.")
	case g.PresencePenalty != nil && (*g.PresencePenalty < -2 || *g.PresencePenalty >= 2):
		return bad("generation_config.presence_penalty: presence_penalty must be in [-2.0, 2.0).")
	case g.FrequencyPenalty != nil && (*g.FrequencyPenalty < -2 || *g.FrequencyPenalty >= 2):
		return bad("generation_config.frequency_penalty: frequency_penalty must be in [-2.0, 2.0).")
	case len(g.StopSequences) > 5:
		return bad("generation_config.stop_sequences: at most 5 stop sequences are allowed.")
	case !responseMIMEs[g.ResponseMIMEType]:
		return bad("generation_config.response_mime_type: allowed mimetypes are `text/plain`, `application/json`, `application/xml`, `application/yaml` and `text/x.enum`.")
	case len(g.ResponseSchema) > 0 && len(g.ResponseJSONSchema) > 0:
		return bad("generation_config.response_schema: response_schema and response_json_schema are mutually exclusive.")
	case (len(g.ResponseSchema) > 0 || len(g.ResponseJSONSchema) > 0) && g.ResponseMIMEType != "application/json" && g.ResponseMIMEType != "text/x.enum":
		return bad("generation_config.response_mime_type: response_mime_type must be application/json or text/x.enum when a response schema is set.")
	}
	if t := g.ThinkingConfig; t != nil && t.ThinkingBudget != nil && t.ThinkingLevel != "" {
		return invalidArgument("You can only set only one of thinking budget and thinking level."), false
	}
	return apiError{}, true
}

// isObject reports whether raw is a JSON object.
func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{' && json.Valid(raw)
}

// objectSchema reports whether raw is a JSON Schema of an object: an
// object whose "type", if given, is "object".
func objectSchema(raw json.RawMessage) bool {
	var s struct {
		Type json.RawMessage `json:"type"`
	}
	if !isObject(raw) || json.Unmarshal(raw, &s) != nil {
		return false
	}
	return len(s.Type) == 0 || string(s.Type) == `"object"`
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
