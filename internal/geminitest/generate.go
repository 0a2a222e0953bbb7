package geminitest

import (
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// mediaTokens is what the server counts for one inline or file data part:
// the API's count for an image of at most 384 pixels a side.
const mediaTokens = 258

// plan is the decided answer to one generateContent request.
type plan struct {
	id, model, createTime string
	candidates            []candidatePlan
	thought               string // a thought part's text, or ""
	blockPrompt           string
	usage                 usageMetadata
}

// candidatePlan is one candidate of a plan.
type candidatePlan struct {
	text    string
	calls   []functionCall
	finish  string
	ratings []safetyRating
}

// generate serves {model}:generateContent and :streamGenerateContent.
func (c *call) generate() {
	var req generateRequest
	if e, ok := decodeStrict(c.body, &req); !ok {
		c.writeError(e)
		return
	}
	if !c.serves(false) {
		return
	}
	if e, ok := validate(&req, "GenerateContentRequest"); !ok {
		c.writeError(e)
		return
	}
	p := c.plan(&req)
	switch {
	case c.method == "generateContent":
		c.writeJSON(p.response())
	case c.sse:
		c.streamEvents(p)
	default:
		c.streamArray(p)
	}
}

// plan decides the answer to req: its candidates' text or function calls,
// finish reasons and usage.
func (c *call) plan(req *generateRequest) *plan {
	p := &plan{id: randomID(23), model: c.model}
	if c.vertex {
		p.createTime = time.Now().UTC().Format(time.RFC3339Nano)
	}
	prompt := promptTokens(req)
	p.usage = usageMetadata{PromptTokenCount: prompt,
		PromptTokensDetails: []modalityTokenCount{{Modality: "TEXT", TokenCount: prompt}}}
	if c.vertex {
		p.usage.TrafficType = "ON_DEMAND"
	}
	if cached := min(c.opts.cached, prompt); cached > 0 {
		p.usage.CachedContentTokenCount = cached
		p.usage.CacheTokensDetails = []modalityTokenCount{{Modality: "TEXT", TokenCount: cached}}
	}
	if c.opts.blockPrompt != "" {
		p.blockPrompt = c.opts.blockPrompt
		p.usage.TotalTokenCount = prompt
		return p
	}

	userText, responses := lastTurn(req.Contents)
	reply := "Echo: " + userText
	if responses != "" {
		reply = "Tool said: " + responses
	}
	if c.opts.replySet {
		reply = c.opts.reply
	}
	g := req.GenerationConfig
	if g == nil {
		g = &generationCfg{}
	}
	if g.ResponseMIMEType == "application/json" {
		schema := g.ResponseJSONSchema
		if len(schema) == 0 {
			schema = g.ResponseSchema
		}
		if len(schema) > 0 {
			reply = string(sampleValue(schema, reply))
		} else {
			b, _ := json.Marshal(map[string]string{"reply": reply})
			reply = string(b)
		}
	}
	reply, finish := limitReply(reply, g)
	var calls []string
	if responses == "" {
		calls = callable(req)
	}
	if t := g.ThinkingConfig; t != nil && t.IncludeThoughts && c.opts.thoughts > 0 {
		p.thought = "**Considering the request**\n\nThe user wrote: " + userText
	}

	n := 1
	if g.CandidateCount != nil {
		n = *g.CandidateCount
	}
	candidates := 0
	for i := 0; i < n; i++ {
		cp := candidatePlan{finish: finish}
		switch {
		case c.opts.blockReply != "":
			cp.finish, cp.ratings = c.opts.blockReply, blockedRatings()
		case len(calls) > 0:
			cp.finish = "STOP"
			for _, name := range calls {
				fc := functionCall{Name: name, Args: sampleValue(declaredSchema(req, name), userText)}
				if c.opts.callIDs {
					fc.ID = "fc_" + randomID(16)
				}
				cp.calls = append(cp.calls, fc)
			}
			candidates += 10 * len(calls)
		default:
			cp.text = reply
			candidates += CountTokens(reply)
		}
		p.candidates = append(p.candidates, cp)
	}
	p.usage.CandidatesTokenCount = candidates
	p.usage.ThoughtsTokenCount = c.opts.thoughts
	p.usage.TotalTokenCount = prompt + candidates + c.opts.thoughts
	return p
}

// limitReply applies stopSequences and maxOutputTokens (counted in words)
// to reply, and returns the finish reason: MAX_TOKENS if it was cut for
// length.
func limitReply(reply string, g *generationCfg) (string, string) {
	for _, s := range g.StopSequences {
		if i := strings.Index(reply, s); s != "" && i >= 0 {
			reply = reply[:i]
		}
	}
	if g.MaxOutputTokens != nil && *g.MaxOutputTokens > 0 {
		if words := splitWords(reply); CountTokens(reply) > *g.MaxOutputTokens {
			return strings.TrimRight(strings.Join(words[:*g.MaxOutputTokens], ""), " \t\n"), "MAX_TOKENS"
		}
	}
	return reply, "STOP"
}

// lastTurn returns the text of the last user turn, each media part in it
// noted as " [<mime type>]", and, if that turn holds function responses,
// their responses as JSON joined by "; ".
func lastTurn(contents []content) (text, responses string) {
	for i := len(contents) - 1; i >= 0; i-- {
		t := contents[i]
		if t.Role == "model" {
			continue
		}
		var texts, rs []string
		notes := ""
		for _, p := range t.Parts {
			switch {
			case p.FunctionResponse != nil:
				rs = append(rs, compact(p.FunctionResponse.Response))
			case p.InlineData != nil:
				notes += " [" + p.InlineData.MIMEType + "]"
			case p.FileData != nil:
				notes += " [" + p.FileData.MIMEType + "]"
			case p.Text != "" && !p.Thought:
				texts = append(texts, p.Text)
			}
		}
		return strings.Join(texts, " ") + notes, strings.Join(rs, "; ")
	}
	return "", ""
}

// callable returns the functions the model calls, in declaration order:
// every declared function the calling mode allows (all of them in AUTO
// and ANY, allowedFunctionNames when ANY names some, none in NONE).
func callable(req *generateRequest) []string {
	mode, allowed := "AUTO", map[string]bool(nil)
	if tc := req.ToolConfig; tc != nil && tc.FunctionCallingConfig != nil {
		if m := tc.FunctionCallingConfig.Mode; m != "" && m != "MODE_UNSPECIFIED" {
			mode = m
		}
		if names := tc.FunctionCallingConfig.AllowedFunctionNames; len(names) > 0 {
			allowed = map[string]bool{}
			for _, n := range names {
				allowed[n] = true
			}
		}
	}
	if mode == "NONE" {
		return nil
	}
	var out []string
	for _, t := range req.Tools {
		for _, d := range t.FunctionDeclarations {
			if allowed == nil || allowed[d.Name] {
				out = append(out, d.Name)
			}
		}
	}
	return out
}

// declaredSchema returns the parameters schema of the function called
// name.
func declaredSchema(req *generateRequest, name string) json.RawMessage {
	for _, t := range req.Tools {
		for _, d := range t.FunctionDeclarations {
			if d.Name == name {
				if len(d.ParametersJSONSchema) > 0 {
					return d.ParametersJSONSchema
				}
				return d.Parameters
			}
		}
	}
	return nil
}

// sampleValue makes a JSON object that fits an object schema (JSON Schema
// or the API's OpenAPI subset, whose types are upper case): each property
// gets its enum's first value, or text for a string, 1 for an integer, 1.5
// for a number, true for a boolean, [] and {} for arrays and objects.
func sampleValue(schema json.RawMessage, text string) json.RawMessage {
	var s struct {
		Properties map[string]struct {
			Type any   `json:"type"`
			Enum []any `json:"enum"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(schema, &s)
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	out := map[string]any{}
	for _, n := range names {
		prop := s.Properties[n]
		if len(prop.Enum) > 0 {
			out[n] = prop.Enum[0]
			continue
		}
		typ, _ := prop.Type.(string)
		if list, ok := prop.Type.([]any); ok && len(list) > 0 {
			typ, _ = list[0].(string)
		}
		switch strings.ToLower(typ) {
		case "string":
			out[n] = text
		case "integer":
			out[n] = 1
		case "number":
			out[n] = 1.5
		case "boolean":
			out[n] = true
		case "array":
			out[n] = []any{}
		default:
			out[n] = map[string]any{}
		}
	}
	b, _ := json.Marshal(out)
	return b
}

// promptTokens counts a request's prompt as CountTokens documents.
func promptTokens(req *generateRequest) int {
	n := 0
	count := func(c *content) {
		for _, p := range c.Parts {
			switch {
			case p.InlineData != nil, p.FileData != nil:
				n += mediaTokens
			case p.FunctionCall != nil:
				n += CountTokens(string(p.FunctionCall.Args))
			case p.FunctionResponse != nil:
				n += CountTokens(string(p.FunctionResponse.Response))
			default:
				n += CountTokens(p.Text)
			}
		}
	}
	if req.SystemInstruction != nil {
		count(req.SystemInstruction)
	}
	for i := range req.Contents {
		count(&req.Contents[i])
	}
	return n
}

// requestTexts returns the text of every text part of req.
func requestTexts(req *generateRequest) []string {
	var out []string
	all := req.Contents
	if req.SystemInstruction != nil {
		all = append([]content{*req.SystemInstruction}, all...)
	}
	for _, c := range all {
		for _, p := range c.Parts {
			if p.Text != "" {
				out = append(out, p.Text)
			}
		}
	}
	return out
}

// blockedRatings are the safety ratings of a blocked prompt or reply.
func blockedRatings() []safetyRating {
	return []safetyRating{
		{Category: "HARM_CATEGORY_SEXUALLY_EXPLICIT", Probability: "NEGLIGIBLE"},
		{Category: "HARM_CATEGORY_HATE_SPEECH", Probability: "NEGLIGIBLE"},
		{Category: "HARM_CATEGORY_HARASSMENT", Probability: "HIGH", Blocked: true},
		{Category: "HARM_CATEGORY_DANGEROUS_CONTENT", Probability: "NEGLIGIBLE"},
	}
}

// compact returns raw without insignificant spaces.
func compact(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// parts are the parts of candidate cp's whole content: the thought, the
// text, then the function calls.
func (p *plan) parts(cp candidatePlan) []part {
	var out []part
	if p.thought != "" && cp.ratings == nil {
		out = append(out, part{Text: p.thought, Thought: true})
	}
	if cp.text != "" {
		out = append(out, part{Text: cp.text})
	}
	for i := range cp.calls {
		out = append(out, part{FunctionCall: &cp.calls[i]})
	}
	return out
}

// response is the whole GenerateContentResponse of p.
func (p *plan) response() generateResponse {
	usage := p.usage
	r := generateResponse{ModelVersion: p.model, CreateTime: p.createTime, ResponseID: p.id, UsageMetadata: &usage}
	if p.blockPrompt != "" {
		r.PromptFeedback = &promptFeedback{BlockReason: p.blockPrompt, SafetyRatings: blockedRatings()}
		return r
	}
	for i, cp := range p.candidates {
		cand := candidate{FinishReason: cp.finish, SafetyRatings: cp.ratings, Index: i}
		if parts := p.parts(cp); len(parts) > 0 {
			cand.Content = &content{Role: "model", Parts: parts}
		}
		r.Candidates = append(r.Candidates, cand)
	}
	return r
}
