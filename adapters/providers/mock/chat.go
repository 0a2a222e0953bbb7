package mock

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// defaultReply answers a conversation without a user message.
const defaultReply = "This is a mock response from Tollgate."

const fingerprint = "fp_tollgate_mock"

// answer is what the mock says to one request.
type answer struct {
	id      string
	created int64
	model   string
	n       int
	text    string            // the reply, when tool is nil
	tool    *gateway.ToolCall // the tool call, if the reply is one
	usage   gateway.Usage
}

// Chat answers req after the latency option, with "Echo: <last user
// text>", the reply option, or a tool call (see the package doc). It fails
// as the fail option says, and with CodeUpstream wrapping
// context.Canceled when ctx is canceled during the latency.
func (u *Upstream) Chat(ctx context.Context, _ *gateway.Credential, req *gateway.ChatRequest) (*gateway.ChatResponse, error) {
	if err := u.begin(ctx); err != nil {
		return nil, err
	}
	a := u.answer(req)
	resp := &gateway.ChatResponse{
		ID: a.id, Object: "chat.completion", Created: a.created, Model: a.model,
		Choices: make([]gateway.Choice, a.n), Usage: &a.usage,
		SystemFingerprint: fingerprint, ServiceTier: "default",
	}
	for i := range resp.Choices {
		c := &resp.Choices[i]
		c.Index = i
		c.Message.Role = "assistant"
		c.Logprobs = nullJSON
		if a.tool != nil {
			tc := *a.tool
			c.Message.ToolCalls = []gateway.ToolCall{tc}
			c.FinishReason = "tool_calls"
		} else {
			c.Message.Content = gateway.TextContent(a.text)
			c.FinishReason = "stop"
		}
	}
	return resp, nil
}

// nullJSON is the logprobs of every choice; it is never modified.
var nullJSON = json.RawMessage("null")

// answer decides the reply to req and counts its tokens.
func (u *Upstream) answer(req *gateway.ChatRequest) answer {
	n := 1
	if req.N != nil && *req.N > 1 {
		n = *req.N
	}
	seq := strconv.FormatInt(u.seq.Add(1), 10)
	a := answer{id: "chatcmpl-mock-" + seq, created: u.now().Unix(), model: req.Model, n: n}

	prompt := 3
	lastUser := -1
	for i := range req.Messages {
		prompt += words(req.Messages[i].Content.Text()) + 4
		if req.Messages[i].Role == "user" {
			lastUser = i
		}
	}
	completion := 0
	if name := toolToCall(req); name != "" {
		a.tool = &gateway.ToolCall{ID: "call_mock_" + seq, Type: "function",
			Function: gateway.FunctionCall{Name: name, Arguments: "{}"}}
		completion = words(name) + 1
	} else {
		switch {
		case u.reply != "":
			a.text = u.reply
		case lastUser >= 0:
			a.text = "Echo: " + req.Messages[lastUser].Content.Text()
		default:
			a.text = defaultReply
		}
		completion = words(a.text)
	}
	a.usage = gateway.Usage{
		PromptTokens:            prompt,
		CompletionTokens:        completion * n,
		TotalTokens:             prompt + completion*n,
		PromptTokensDetails:     &gateway.PromptTokensDetails{},
		CompletionTokensDetails: &gateway.CompletionTokensDetails{},
	}
	return a
}

// toolToCall returns the function the reply calls, or "" for a text reply:
// a call is made when req offers tools, its last message is the user's
// and tool_choice is not "none".
func toolToCall(req *gateway.ChatRequest) string {
	if len(req.Tools) == 0 || len(req.Messages) == 0 || req.Messages[len(req.Messages)-1].Role != "user" {
		return ""
	}
	if tc := req.ToolChoice; tc != nil {
		switch tc.Mode {
		case "none":
			return ""
		case "function":
			if tc.Function != "" {
				return tc.Function
			}
		}
	}
	return req.Tools[0].Function.Name
}

// words counts whitespace-separated words, the mock's token count.
func words(s string) int { return len(strings.Fields(s)) }
