package openaitest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// filterVerdict is one category of Azure's content filter results.
type filterVerdict struct {
	Filtered bool   `json:"filtered"`
	Severity string `json:"severity,omitempty"`
	Detected *bool  `json:"detected,omitempty"`
}

// filterResults is Azure's content_filter_results object; violence is the
// category a filtered word is put under.
func filterResults(prompt, filtered bool) json.RawMessage {
	no := false
	severity := "safe"
	if filtered {
		severity = "medium"
	}
	r := map[string]filterVerdict{
		"hate":      {Severity: "safe"},
		"self_harm": {Severity: "safe"},
		"sexual":    {Severity: "safe"},
		"violence":  {Filtered: filtered, Severity: severity},
	}
	if prompt {
		r["jailbreak"] = filterVerdict{Detected: &no}
	} else {
		r["protected_material_code"] = filterVerdict{Detected: &no}
		r["protected_material_text"] = filterVerdict{Detected: &no}
	}
	b, _ := marshal(r)
	return b
}

// promptFilterResults is the prompt_filter_results array of an Azure
// answer to a prompt the filter let through.
func promptFilterResults() json.RawMessage {
	b, _ := marshal([]struct {
		PromptIndex          int             `json:"prompt_index"`
		ContentFilterResults json.RawMessage `json:"content_filter_results"`
	}{{0, filterResults(true, false)}})
	return b
}

// contentFilterError is the error object of Azure's refusal of a prompt:
// OpenAI's fields (type null), the status, and the filter's verdict.
type contentFilterError struct {
	Message    string          `json:"message"`
	Type       *string         `json:"type"`
	Param      string          `json:"param"`
	Code       string          `json:"code"`
	Status     int             `json:"status"`
	InnerError json.RawMessage `json:"innererror"`
}

// azureRefuses writes Azure's content filter error, and returns true, if
// one of the texts of a chat request holds the filtered word.
func (c *call) azureRefuses(texts []string) bool {
	if c.opts.filter == "" {
		return false
	}
	for _, t := range texts {
		if strings.Contains(strings.ToLower(t), c.opts.filter) {
			inner, _ := marshal(struct {
				Code   string          `json:"code"`
				Result json.RawMessage `json:"content_filter_result"`
			}{"ResponsibleAIPolicyViolation", filterResults(true, true)})
			c.writeBody(http.StatusBadRequest, struct {
				Error contentFilterError `json:"error"`
			}{contentFilterError{Message: azureContentFilterMsg, Param: "prompt", Code: "content_filter",
				Status: http.StatusBadRequest, InnerError: inner}}, "")
			return true
		}
	}
	return false
}

// filterReply cuts a reply before the filtered word and makes it end with
// finish_reason "content_filter", as Azure does with a completion its
// filter stops.
func (c *call) filterReply(p *chatPlan) {
	if c.opts.filter == "" || p.tools != nil {
		return
	}
	text := strings.ToLower(p.text)
	if len(text) != len(p.text) { // a case change resized the text: match as is
		text = p.text
	}
	if i := strings.Index(text, c.opts.filter); i >= 0 {
		p.text = p.text[:i]
		p.finish = "content_filter"
	}
}

// azureFirstChunk is the chunk an Azure stream starts with: the verdict
// on the prompt, and empty fields.
type azureFirstChunk struct {
	Choices             []chunkChoice   `json:"choices"`
	Created             int64           `json:"created"`
	ID                  string          `json:"id"`
	Model               string          `json:"model"`
	Object              string          `json:"object"`
	PromptFilterResults json.RawMessage `json:"prompt_filter_results"`
}

// azureStreamStart sends the first chunk of an Azure stream; false if the
// client is gone.
func (c *call) azureStreamStart(rc *http.ResponseController) bool {
	data, _ := marshal(azureFirstChunk{Choices: []chunkChoice{}, PromptFilterResults: promptFilterResults()})
	return c.event(rc, "data: "+string(data)+"\n\n")
}
