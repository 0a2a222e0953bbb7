package openaiapi

import (
	"encoding/json"
	"strconv"
	"strings"
)

// looseError holds the fields error bodies of the OpenAI-compatible family
// use, undecoded, since hosts disagree on their types.
type looseError struct {
	Error   json.RawMessage `json:"error"`
	Message json.RawMessage `json:"message"`
	Type    json.RawMessage `json:"type"`
	Param   json.RawMessage `json:"param"`
	Code    json.RawMessage `json:"code"`
	Detail  json.RawMessage `json:"detail"`
}

// parseErrorBody reads the error bodies of the family: OpenAI's
// {"error": {"message", "type", "param", "code"}} (Azure, Groq, Ollama
// and most others), {"error": "text", "code": ...} (xAI), the top-level
// {"object": "error", "message", "type", "code"} of Mistral and vLLM,
// whose message may itself be a validation report, and FastAPI's
// {"detail": ...} (DeepInfra). nil if body is none of them.
func parseErrorBody(body []byte) *apiError {
	var top looseError
	if json.Unmarshal(body, &top) != nil {
		return nil
	}
	switch kind(top.Error) {
	case '{':
		var in looseError
		if json.Unmarshal(top.Error, &in) != nil {
			return nil
		}
		return in.apiError()
	case '"':
		a := top.apiError()
		a.Message = text(top.Error)
		return a
	}
	if kind(top.Message) == 0 && kind(top.Detail) == 0 {
		return nil
	}
	return top.apiError()
}

// apiError converts the fields it can.
func (l *looseError) apiError() *apiError {
	a := &apiError{Message: text(l.Message), Type: str(l.Type), Code: l.Code}
	if a.Message == "" {
		a.Message = text(l.Detail)
	}
	if kind(l.Param) == '"' {
		p := str(l.Param)
		a.Param = &p
	}
	if kind(a.Code) != '"' && kind(a.Code) != '0' {
		a.Code = nil // an object or array says nothing typeName can use
	}
	return a
}

// kind returns the first byte of a JSON value's kind: '{', '[', '"', '0'
// for a number, 't' or 'f', 'n' for null, 0 for none.
func kind(raw json.RawMessage) byte {
	if len(raw) == 0 {
		return 0
	}
	switch c := raw[0]; {
	case c == '-' || (c >= '0' && c <= '9'):
		return '0'
	default:
		return c
	}
}

// str returns raw if it is a JSON string, else "".
func str(raw json.RawMessage) string {
	var s string
	if kind(raw) != '"' || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// text returns a message for a human from a string, an {"error": ...} or
// {"detail": ...} object, or a validation report: a list of
// {"loc": [...], "msg": "..."} items (pydantic, as Mistral, vLLM and
// DeepInfra send), at most three of them.
func text(raw json.RawMessage) string {
	switch kind(raw) {
	case '"':
		return str(raw)
	case '{':
		var o looseError
		if json.Unmarshal(raw, &o) != nil {
			return ""
		}
		for _, r := range []json.RawMessage{o.Message, o.Error, o.Detail} {
			if k := kind(r); k == '"' || k == '[' {
				return text(r)
			}
		}
	case '[':
		var items []struct {
			Loc []any  `json:"loc"`
			Msg string `json:"msg"`
		}
		if json.Unmarshal(raw, &items) != nil {
			return ""
		}
		var parts []string
		for _, it := range items {
			if it.Msg == "" {
				continue
			}
			if len(parts) == 3 {
				parts = append(parts, "...")
				break
			}
			var loc []string
			for _, l := range it.Loc {
				switch v := l.(type) {
				case string:
					loc = append(loc, v)
				case float64:
					loc = append(loc, strconv.FormatFloat(v, 'f', -1, 64))
				}
			}
			if len(loc) > 0 {
				parts = append(parts, strings.Join(loc, ".")+": "+it.Msg)
			} else {
				parts = append(parts, it.Msg)
			}
		}
		return strings.Join(parts, "; ")
	}
	return ""
}
