package anthropictest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// ToolTrigger and ParallelTrigger are the words (case-insensitive) of the
// last user text that make the server use tools under tool_choice auto:
// ToolTrigger calls the first custom tool, after a short text block;
// ParallelTrigger calls every custom tool at once (or, with tool_choice
// tool, the named tool twice), unless disable_parallel_tool_use. With
// tool_choice any or tool, tools are always used, with no text before;
// with none, never.
const (
	ToolTrigger     = "tool"
	ParallelTrigger = "parallel"
)

// CountTokens returns the number of whitespace-separated words in text,
// the server's token count. A message's input_tokens is the words of the
// system prompt, plus for each message 3 and the words of its text,
// tool_result and tool_use input, plus 100 per image or document, plus 20
// per tool. Its output_tokens is the words of its text and thinking, plus
// 10 per tool use. SetUsage's cache figures are reported besides.
func CountTokens(text string) int { return len(strings.Fields(text)) }

// inputTokens counts a request's input tokens (see CountTokens).
func inputTokens(req *anthropicwire.Request) int {
	n := CountTokens(req.System.PlainText(" ")) + 20*len(req.Tools)
	for _, m := range req.Messages {
		n += 3
		for _, b := range m.Content.AsBlocks() {
			switch b.Type {
			case anthropicwire.BlockText:
				n += CountTokens(b.Text)
			case anthropicwire.BlockToolResult:
				n += CountTokens(b.Content.PlainText(" "))
			case anthropicwire.BlockToolUse:
				n += CountTokens(string(b.Input))
			case anthropicwire.BlockImage, anthropicwire.BlockDocument:
				n += 100
			}
		}
	}
	return n
}

// plan is the decided answer to one messages request.
type plan struct {
	id, model string
	blocks    []anthropicwire.ContentBlock
	stop      anthropicwire.StopReason
	stopSeq   string
	usage     anthropicwire.Usage
}

// messages serves POST /v1/messages.
func (c *call) messages() {
	req, e := decodeRequest(c.body, true)
	if e != nil {
		c.writeError(e.status, e.msg)
		return
	}
	p := c.plan(req)
	if req.Stream {
		c.stream(p)
		return
	}
	c.writeJSON(http.StatusOK, anthropicwire.Response{ID: p.id, Type: "message", Role: anthropicwire.RoleAssistant,
		Model: p.model, Content: p.blocks, StopReason: p.stop, StopSequence: anthropicwire.NullString(p.stopSeq), Usage: p.usage})
}

// countTokens serves POST /v1/messages/count_tokens.
func (c *call) countTokens() {
	req, e := decodeRequest(c.body, false)
	if e != nil {
		c.writeError(e.status, e.msg)
		return
	}
	c.writeJSON(http.StatusOK, anthropicwire.TokenCount{InputTokens: inputTokens(req)})
}

// plan decides the answer to a checked request.
func (c *call) plan(req *anthropicwire.Request) plan {
	p := plan{id: "msg_01" + randomID(22), model: req.Model, stop: anthropicwire.StopEndTurn}
	userText, toolResult := lastUser(req.Messages)
	text := "Echo: " + userText
	if toolResult != "" {
		text = "Tool said: " + toolResult
	}
	if c.opts.replySet {
		text = c.opts.reply
	}
	if t := req.Thinking; t != nil && (t.Type == anthropicwire.ThinkingEnabled || t.Type == anthropicwire.ThinkingAdaptive) {
		p.blocks = append(p.blocks, anthropicwire.ContentBlock{Type: anthropicwire.BlockThinking,
			Thinking: "Thinking about: " + userText, Signature: signature()})
	}
	calls, withText := toolCalls(req, userText, toolResult != "")
	out := 0
	if len(calls) > 0 {
		if withText {
			names := make([]string, len(calls))
			for i, tc := range calls {
				names[i] = tc.Name
			}
			text = "Let me use " + strings.Join(names, " and ") + "."
			p.blocks = append(p.blocks, anthropicwire.ContentBlock{Type: anthropicwire.BlockText, Text: text})
			out += CountTokens(text)
		}
		p.blocks = append(p.blocks, calls...)
		p.stop = anthropicwire.StopToolUse
		out += 10 * len(calls)
	} else {
		text, p.stop, p.stopSeq = applyStops(text, req)
		if text != "" {
			p.blocks = append(p.blocks, anthropicwire.ContentBlock{Type: anthropicwire.BlockText, Text: text})
		}
		out += CountTokens(text)
	}
	if len(p.blocks) > 0 && p.blocks[0].Type == anthropicwire.BlockThinking {
		out += CountTokens(p.blocks[0].Thinking)
	}
	p.usage = anthropicwire.Usage{InputTokens: inputTokens(req), OutputTokens: max(out, 1),
		CacheReadInputTokens: c.opts.cacheRead, CacheCreationInputTokens: c.opts.cacheCreation, ServiceTier: "standard",
		Extra: anthropicwire.Extra{"cache_creation": mustMarshal(map[string]int{
			"ephemeral_5m_input_tokens": c.opts.cacheCreation, "ephemeral_1h_input_tokens": 0})}}
	return p
}

// applyStops cuts text at the first stop sequence, or at max_tokens words.
func applyStops(text string, req *anthropicwire.Request) (string, anthropicwire.StopReason, string) {
	cut, seq := -1, ""
	for _, s := range req.StopSequences {
		if i := strings.Index(text, s); s != "" && i >= 0 && (cut < 0 || i < cut) {
			cut, seq = i, s
		}
	}
	if cut >= 0 {
		return text[:cut], anthropicwire.StopSequence, seq
	}
	if req.MaxTokens != nil && CountTokens(text) > *req.MaxTokens {
		return strings.Join(splitWords(text, 0)[:*req.MaxTokens], ""), anthropicwire.StopMaxTokens, ""
	}
	return text, anthropicwire.StopEndTurn, ""
}

// lastUser returns the text of the last user message, and the text of its
// tool results if it has any.
func lastUser(msgs []anthropicwire.Message) (text, toolResult string) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role != anthropicwire.RoleUser {
			continue
		}
		var texts, results []string
		for _, b := range msgs[i].Content.AsBlocks() {
			switch b.Type {
			case anthropicwire.BlockText:
				texts = append(texts, b.Text)
			case anthropicwire.BlockToolResult:
				results = append(results, b.Content.PlainText(" "))
			}
		}
		return strings.Join(texts, " "), strings.Join(results, "; ")
	}
	return "", ""
}

// toolCalls decides the tool_use blocks of the answer, and whether a text
// block comes before them (under tool_choice auto).
func toolCalls(req *anthropicwire.Request, userText string, afterResult bool) ([]anthropicwire.ContentBlock, bool) {
	var custom []*anthropicwire.Tool
	for i := range req.Tools {
		if req.Tools[i].IsCustom() {
			custom = append(custom, &req.Tools[i])
		}
	}
	if len(custom) == 0 {
		return nil, false
	}
	words := strings.Fields(strings.ToLower(userText))
	has := func(w string) bool {
		for _, x := range words {
			if strings.Trim(x, ".,!?;:'\"") == w || strings.Trim(x, ".,!?;:'\"") == w+"s" {
				return true
			}
		}
		return false
	}
	mode, parallel := anthropicwire.ToolChoiceAuto, has(ParallelTrigger)
	triggered := parallel || has(ToolTrigger)
	if tc := req.ToolChoice; tc != nil {
		mode = tc.Type
		if tc.DisableParallelToolUse != nil && *tc.DisableParallelToolUse {
			parallel = false
		}
	}
	var use []*anthropicwire.Tool
	switch mode {
	case anthropicwire.ToolChoiceNone:
		return nil, false
	case anthropicwire.ToolChoiceTool:
		for _, t := range custom {
			if t.Name == req.ToolChoice.Name {
				use = []*anthropicwire.Tool{t}
				if parallel {
					use = append(use, t)
				}
			}
		}
	case anthropicwire.ToolChoiceAny:
		use = custom[:1]
		if parallel {
			use = custom
		}
	default:
		if afterResult || !triggered {
			return nil, false
		}
		use = custom[:1]
		if parallel {
			use = custom
		}
	}
	blocks := make([]anthropicwire.ContentBlock, len(use))
	for i, t := range use {
		blocks[i] = anthropicwire.ContentBlock{Type: anthropicwire.BlockToolUse, ID: "toolu_01" + randomID(22),
			Name: t.Name, Input: toolInput(t.InputSchema, userText)}
	}
	return blocks, mode == anthropicwire.ToolChoiceAuto || mode == ""
}

// toolInput builds a tool's input from its schema's properties: strings
// get the user's text, numbers 42, booleans true, arrays [] and objects
// {}.
func toolInput(schema json.RawMessage, text string) json.RawMessage {
	var s struct {
		Properties map[string]struct {
			Type any `json:"type"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(schema, &s)
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	in := make(map[string]any, len(names))
	for _, name := range names {
		typ, _ := s.Properties[name].Type.(string)
		switch typ {
		case "string":
			in[name] = text
		case "number", "integer":
			in[name] = 42
		case "boolean":
			in[name] = true
		case "array":
			in[name] = []any{}
		case "object":
			in[name] = map[string]any{}
		default:
			in[name] = nil
		}
	}
	return mustMarshal(in)
}

// signature returns a random thinking signature.
func signature() string {
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func mustMarshal(v any) json.RawMessage {
	b, err := marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
