package azure

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// azureError is the part of Azure's error body the refinements read.
type azureError struct {
	Error struct {
		Code       json.RawMessage `json:"code"`
		Message    string          `json:"message"`
		InnerError *struct {
			Code   string `json:"code"`
			Result map[string]struct {
				Filtered bool   `json:"filtered"`
				Severity string `json:"severity"`
			} `json:"content_filter_result"`
		} `json:"innererror"`
	} `json:"error"`
}

// refineError adjusts the error openai mapped from Azure's body (see the
// package doc).
func refineError(e *gateway.Error, body []byte) {
	var b azureError
	if json.Unmarshal(body, &b) != nil {
		return
	}
	var code string
	_ = json.Unmarshal(b.Error.Code, &code)
	switch {
	case code == "content_filter":
		e.Code, e.Type, e.Field = gateway.CodeInvalid, "content_filter", ""
		if in := b.Error.InnerError; in != nil {
			var cats []string
			for name, r := range in.Result {
				if r.Filtered {
					cats = append(cats, name)
				}
			}
			if len(cats) > 0 {
				slices.Sort(cats)
				e.Message += " (filtered: " + strings.Join(cats, ", ") + ")"
			}
		}
	case e.Status == http.StatusBadRequest && strings.Contains(strings.ToLower(b.Error.Message), "api version"),
		e.Status == http.StatusBadRequest && strings.Contains(b.Error.Message, "api-version"),
		e.Status == http.StatusNotFound && code == "404":
		// The provider's settings are wrong, not the client's request:
		// another provider may serve it.
		e.Code = gateway.CodeUpstream
	}
}
