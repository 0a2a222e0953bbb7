package openaitest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode"
)

const systemFingerprint = "fp_7e1c2a9b4d"

// CountTokens returns the number of whitespace-separated words in text, which
// is what the test server reports as its token count. A chat completion uses
// prompt_tokens = sum over messages of (CountTokens(text content) + 4) + 3 and
// completion_tokens = CountTokens(reply) (10 for a tool call), times n.
func CountTokens(text string) int { return len(strings.Fields(text)) }

type chatRequest struct {
	Model         string          `json:"model"`
	Messages      *[]chatMessage  `json:"messages"`
	Stream        bool            `json:"stream"`
	StreamOptions *streamOptions  `json:"stream_options"`
	N             *int            `json:"n"`
	Tools         []chatTool      `json:"tools"`
	ToolChoice    json.RawMessage `json:"tool_choice"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	ToolCalls  []toolCall      `json:"tool_calls"`
	ToolCallID string          `json:"tool_call_id"`
}

type chatTool struct {
	Type     string `json:"type"`
	Function struct {
		Name string `json:"name"`
	} `json:"function"`
}

// toolCall is a tool call in a request, a response or (with Index) a chunk.
type toolCall struct {
	Index    *int         `json:"index,omitempty"`
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"`
	Function toolFunction `json:"function"`
}

type toolFunction struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

type chatCompletion struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Created           int64        `json:"created"`
	Model             string       `json:"model"`
	Choices           []chatChoice `json:"choices"`
	Usage             *usage       `json:"usage"`
	ServiceTier       string       `json:"service_tier"`
	SystemFingerprint string       `json:"system_fingerprint"`
	// PromptFilterResults is Azure's verdict on the prompt.
	PromptFilterResults json.RawMessage `json:"prompt_filter_results,omitempty"`
}

type chatChoice struct {
	Index        int             `json:"index"`
	Message      replyMessage    `json:"message"`
	Logprobs     json.RawMessage `json:"logprobs"`
	FinishReason string          `json:"finish_reason"`
	// ContentFilterResults is Azure's verdict on the completion.
	ContentFilterResults json.RawMessage `json:"content_filter_results,omitempty"`
}

type replyMessage struct {
	Role        string     `json:"role"`
	Content     *string    `json:"content"`
	ToolCalls   []toolCall `json:"tool_calls,omitempty"`
	Refusal     *string    `json:"refusal"`
	Annotations []any      `json:"annotations"`
}

type usage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
		AudioTokens  int `json:"audio_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails struct {
		ReasoningTokens          int `json:"reasoning_tokens"`
		AudioTokens              int `json:"audio_tokens"`
		AcceptedPredictionTokens int `json:"accepted_prediction_tokens"`
		RejectedPredictionTokens int `json:"rejected_prediction_tokens"`
	} `json:"completion_tokens_details"`
}

// chatPlan is the decided answer to one chat completion request.
type chatPlan struct {
	id, model string
	created   int64
	n         int
	text      string     // reply text when tools is nil
	tools     []toolCall // one tool call per choice, or nil
	finish    string     // the finish_reason when not the usual one
	usage     usage
}

var nullJSON = json.RawMessage("null")

func (c *call) chatCompletions() {
	var req chatRequest
	if err := json.Unmarshal(c.body, &req); err != nil {
		c.writeError(http.StatusBadRequest, decodeError(err))
		return
	}
	if c.model != "" {
		req.Model = c.model
	}
	texts, status, e := validateChat(&req)
	if status != 0 {
		c.writeError(status, e)
		return
	}
	if c.s.azure && c.azureRefuses(texts) {
		return
	}
	p := c.planChat(&req, texts)
	c.filterReply(&p)
	if req.Stream {
		c.streamChat(p, req.StreamOptions != nil && req.StreamOptions.IncludeUsage)
		return
	}
	resp := chatCompletion{
		ID: p.id, Object: "chat.completion", Created: p.created, Model: p.model,
		Usage: &p.usage, ServiceTier: "default", SystemFingerprint: systemFingerprint,
	}
	if c.s.azure {
		resp.PromptFilterResults = promptFilterResults()
	}
	for i := range p.n {
		ch := chatChoice{Index: i, Logprobs: nullJSON, FinishReason: "stop",
			Message: replyMessage{Role: "assistant", Annotations: []any{}}}
		if p.tools != nil {
			ch.Message.ToolCalls = []toolCall{p.tools[i]}
			ch.FinishReason = "tool_calls"
		} else {
			ch.Message.Content = &p.text
		}
		if p.finish != "" {
			ch.FinishReason = p.finish
		}
		if c.s.azure {
			ch.ContentFilterResults = filterResults(false, p.finish == "content_filter")
		}
		resp.Choices = append(resp.Choices, ch)
	}
	c.writeJSON(http.StatusOK, resp)
}

// planChat decides the answer to a validated request; texts holds the text
// content of each message.
func (c *call) planChat(req *chatRequest, texts []string) chatPlan {
	msgs := *req.Messages
	n := 1
	if req.N != nil {
		n = *req.N
	}
	mode, name, _ := parseToolChoice(req.ToolChoice)
	p := chatPlan{id: "chatcmpl-" + randomID(29), model: req.Model, created: time.Now().Unix(), n: n}
	last := msgs[len(msgs)-1]
	lastUser := ""
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			lastUser = texts[i]
			break
		}
	}
	completion := 0
	if len(req.Tools) > 0 && last.Role == "user" && mode != "none" {
		if name == "" {
			name = req.Tools[0].Function.Name
		}
		args, _ := marshal(struct {
			Query string `json:"query"`
		}{lastUser})
		for range n {
			p.tools = append(p.tools, toolCall{ID: "call_" + randomID(24), Type: "function",
				Function: toolFunction{Name: name, Arguments: string(args)}})
		}
		completion = 10
	} else {
		switch {
		case c.opts.replySet:
			p.text = c.opts.reply
		case last.Role == "tool":
			p.text = "Tool said: " + texts[len(texts)-1]
		default:
			p.text = "Echo: " + lastUser
		}
		completion = CountTokens(p.text)
	}
	prompt := 3
	for _, t := range texts {
		prompt += CountTokens(t) + 4
	}
	p.usage.PromptTokens = prompt
	p.usage.CompletionTokens = completion * n
	p.usage.TotalTokens = prompt + completion*n
	return p
}

// contentText returns the text of a message content: a string, null, or an
// array of parts whose "text" parts are concatenated.
func contentText(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) != nil {
		return "", false
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" {
			b.WriteString(p.Text)
		}
	}
	return b.String(), true
}

// splitWords splits text into at most n pieces on word boundaries; each
// word keeps its preceding whitespace, so the pieces concatenate to text.
func splitWords(text string, n int) []string {
	var units []string
	last, inWord := 0, false
	for i, r := range text {
		switch space := unicode.IsSpace(r); {
		case space && inWord:
			units = append(units, text[last:i])
			last, inWord = i, false
		case !space:
			inWord = true
		}
	}
	if rest := text[last:]; rest != "" {
		if inWord || len(units) == 0 {
			units = append(units, rest)
		} else {
			units[len(units)-1] += rest
		}
	}
	return group(units, n)
}

// group concatenates units into at most n consecutive, evenly sized groups.
func group(units []string, n int) []string {
	if len(units) <= n {
		return units
	}
	out := make([]string, 0, n)
	q, r := len(units)/n, len(units)%n
	for i, start := 0, 0; i < n; i++ {
		size := q
		if i < r {
			size++
		}
		out = append(out, strings.Join(units[start:start+size], ""))
		start += size
	}
	return out
}

type chatChunk struct {
	ID                string          `json:"id"`
	Object            string          `json:"object"`
	Created           int64           `json:"created"`
	Model             string          `json:"model"`
	ServiceTier       string          `json:"service_tier"`
	SystemFingerprint string          `json:"system_fingerprint"`
	Choices           []chunkChoice   `json:"choices"`
	Usage             json.RawMessage `json:"usage,omitempty"`
}

type chunkChoice struct {
	Index        int             `json:"index"`
	Delta        chunkDelta      `json:"delta"`
	Logprobs     json.RawMessage `json:"logprobs"`
	FinishReason *string         `json:"finish_reason"`
	// ContentFilterResults is Azure's verdict on the chunk.
	ContentFilterResults json.RawMessage `json:"content_filter_results,omitempty"`
}

type chunkDelta struct {
	Role      string          `json:"role,omitempty"`
	Content   json.RawMessage `json:"content,omitempty"`
	ToolCalls []toolCall      `json:"tool_calls,omitempty"`
	Refusal   json.RawMessage `json:"refusal,omitempty"`
}

// streamChat writes p as server-sent events, stopping early if the client
// goes away or the server is closed.
func (c *call) streamChat(p chatPlan, includeUsage bool) {
	rc := http.NewResponseController(c.w)
	c.writeHeader(http.StatusOK, "text/event-stream; charset=utf-8")
	if rc.Flush() != nil {
		return
	}
	if c.s.azure && !c.azureStreamStart(rc) {
		return
	}
	sent, zero := 0, 0
	send := func(choices []chunkChoice, u json.RawMessage) bool {
		if sent > 0 && !c.wait(c.opts.delay) || !c.alive() {
			return false
		}
		if c.cutAfter > 0 && sent == c.cutAfter {
			c.drop()
			return false
		}
		sent++
		if includeUsage && u == nil {
			u = nullJSON
		}
		data, _ := marshal(chatChunk{ID: p.id, Object: "chat.completion.chunk", Created: p.created, Model: p.model,
			ServiceTier: "default", SystemFingerprint: systemFingerprint, Choices: choices, Usage: u})
		return c.event(rc, "data: "+string(data)+"\n\n")
	}
	one := func(i int, d chunkDelta, finish *string) []chunkChoice {
		ch := chunkChoice{Index: i, Delta: d, Logprobs: nullJSON, FinishReason: finish}
		if c.s.azure {
			ch.ContentFilterResults = filterResults(false, finish != nil && *finish == "content_filter")
		}
		return []chunkChoice{ch}
	}

	var pieces []string
	finish := "stop"
	if p.tools != nil {
		pieces = group(strings.Split(p.tools[0].Function.Arguments, ""), c.opts.chunks)
		finish = "tool_calls"
	} else {
		pieces = splitWords(p.text, c.opts.chunks)
	}
	if p.finish != "" {
		finish = p.finish
	}
	for i := range p.n {
		d := chunkDelta{Role: "assistant", Content: json.RawMessage(`""`), Refusal: nullJSON}
		if p.tools != nil {
			tc := p.tools[i]
			d.Content = nullJSON
			d.ToolCalls = []toolCall{{Index: &zero, ID: tc.ID, Type: tc.Type, Function: toolFunction{Name: tc.Function.Name}}}
		}
		if !send(one(i, d, nil), nil) {
			return
		}
	}
	for _, piece := range pieces {
		for i := range p.n {
			var d chunkDelta
			if p.tools != nil {
				d.ToolCalls = []toolCall{{Index: &zero, Function: toolFunction{Arguments: piece}}}
			} else {
				d.Content, _ = marshal(piece)
			}
			if !send(one(i, d, nil), nil) {
				return
			}
		}
	}
	for i := range p.n {
		if !send(one(i, chunkDelta{}, &finish), nil) {
			return
		}
	}
	if includeUsage {
		u, _ := marshal(p.usage)
		if !send([]chunkChoice{}, u) {
			return
		}
	}
	c.event(rc, "data: [DONE]\n\n")
}

// event writes one SSE event and flushes it.
func (c *call) event(rc *http.ResponseController, ev string) bool {
	if _, err := c.w.Write([]byte(ev)); err != nil {
		return false
	}
	return rc.Flush() == nil
}
