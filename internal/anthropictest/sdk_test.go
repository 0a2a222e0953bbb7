package anthropictest_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/internal/anthropictest"
)

const key = "sk-ant-api03-test-0123456789abcdef"

// pngData is the start of a real PNG file.
var pngData = base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))

func client(s *anthropictest.Server, opts ...option.RequestOption) anthropic.Client {
	return anthropic.NewClient(append([]option.RequestOption{
		option.WithBaseURL(s.URL), option.WithAPIKey(key), option.WithMaxRetries(0),
	}, opts...)...)
}

func userParams(text string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:     anthropic.ModelClaudeSonnet4_5,
		MaxTokens: 256,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(text))},
	}
}

var weatherTool = anthropic.ToolUnionParamOfTool(anthropic.ToolInputSchemaParam{
	Properties: map[string]any{"city": map[string]any{"type": "string"}, "days": map[string]any{"type": "integer"}},
	Required:   []string{"city"},
}, "get_weather")

var timeTool = anthropic.ToolUnionParamOfTool(anthropic.ToolInputSchemaParam{
	Properties: map[string]any{"zone": map[string]any{"type": "string"}},
}, "get_time")

func TestSDKMessage(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropictest.New(t, key)
	s.SetUsage(7, 11)
	c := client(s)
	p := userParams("hello there world")
	p.System = []anthropic.TextBlockParam{{Text: "Be brief."}}
	msg, err := c.Messages.New(context.Background(), p)
	is.NoErr(err)
	is.Equal(len(msg.Content), 1)
	is.Equal(msg.Content[0].Type, "text")
	is.Equal(msg.Content[0].Text, "Echo: hello there world")
	is.Equal(msg.StopReason, anthropic.StopReasonEndTurn)
	is.Equal(msg.Model, anthropic.ModelClaudeSonnet4_5)
	is.Equal(msg.Usage.InputTokens, int64(2+3+3)) // "Be brief." + 3 + the user's words
	is.Equal(msg.Usage.OutputTokens, int64(4))
	is.Equal(msg.Usage.CacheReadInputTokens, int64(7))
	is.Equal(msg.Usage.CacheCreationInputTokens, int64(11))
	is.Equal(msg.Usage.CacheCreation.Ephemeral5mInputTokens, int64(11))

	reqs := s.Requests()
	is.Equal(len(reqs), 1)
	is.Equal(reqs[0].Header.Get("x-api-key"), key)
	is.Equal(reqs[0].Header.Get("anthropic-version"), "2023-06-01")
}

func TestSDKStreamAccumulate(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropictest.New(t, key)
	s.SetChunks(3)
	s.SetUsage(5, 0)
	c := client(s)
	stream := c.Messages.NewStreaming(context.Background(), userParams("one two three four five six"))
	var msg anthropic.Message
	deltas := 0
	for stream.Next() {
		ev := stream.Current()
		is.NoErr(msg.Accumulate(ev))
		if ev.Type == "content_block_delta" {
			deltas++
		}
	}
	is.NoErr(stream.Err())
	is.Equal(deltas, 3)
	is.Equal(msg.Content[0].Text, "Echo: one two three four five six")
	is.Equal(msg.StopReason, anthropic.StopReasonEndTurn)
	is.Equal(msg.Usage.OutputTokens, int64(7))
	is.Equal(msg.Usage.InputTokens, int64(3+6))
	is.Equal(msg.Usage.CacheReadInputTokens, int64(5))
}

func TestSDKToolUse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		text   string
		choice anthropic.ToolChoiceUnionParam
		names  []string
		text0  bool // a text block comes first
	}{
		{name: "Trigger", text: "use a tool for Paris", names: []string{"get_weather"}, text0: true},
		{name: "Parallel", text: "in parallel please", names: []string{"get_weather", "get_time"}, text0: true},
		{name: "Any", text: "Paris", choice: anthropic.ToolChoiceUnionParam{OfAny: &anthropic.ToolChoiceAnyParam{}}, names: []string{"get_weather"}},
		{name: "Named", text: "Paris", choice: anthropic.ToolChoiceParamOfTool("get_time"), names: []string{"get_time"}},
		{name: "ParallelDisabled", text: "parallel",
			choice: anthropic.ToolChoiceUnionParam{OfAuto: &anthropic.ToolChoiceAutoParam{DisableParallelToolUse: anthropic.Bool(true)}},
			names:  []string{"get_weather"}, text0: true},
		{name: "None", text: "use a tool", choice: anthropic.ToolChoiceUnionParam{OfNone: &anthropic.ToolChoiceNoneParam{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			s := anthropictest.New(t, key)
			s.SetChunks(4)
			c := client(s)
			p := userParams(tt.text)
			p.Tools = []anthropic.ToolUnionParam{weatherTool, timeTool}
			p.ToolChoice = tt.choice
			whole, err := c.Messages.New(context.Background(), p)
			is.NoErr(err)

			stream := c.Messages.NewStreaming(context.Background(), p)
			var streamed anthropic.Message
			for stream.Next() {
				is.NoErr(streamed.Accumulate(stream.Current()))
			}
			is.NoErr(stream.Err())

			for _, msg := range []*anthropic.Message{whole, &streamed} {
				var names []string
				for i, b := range msg.Content {
					if b.Type != "tool_use" {
						is.Equal(i, 0) // only a leading text block
						continue
					}
					names = append(names, b.Name)
					in := b.AsToolUse().Input
					if b.Name == "get_weather" {
						is.Equal(string(in), `{"city":"`+tt.text+`","days":42}`)
					}
				}
				is.Equal(names, tt.names)
				is.Equal(msg.Content[0].Type == "text", tt.text0 || len(tt.names) == 0)
				if len(tt.names) > 0 {
					is.Equal(msg.StopReason, anthropic.StopReasonToolUse)
				} else {
					is.Equal(msg.StopReason, anthropic.StopReasonEndTurn)
				}
			}
		})
	}
}

func TestSDKToolResultRoundTrip(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropictest.New(t, key)
	c := client(s)
	p := userParams("tool please")
	p.Tools = []anthropic.ToolUnionParam{weatherTool}
	first, err := c.Messages.New(context.Background(), p)
	is.NoErr(err)
	p.Messages = append(p.Messages, first.ToParam(),
		anthropic.NewUserMessage(anthropic.NewToolResultBlock(first.Content[1].ID, "sunny, 21C", false)))
	second, err := c.Messages.New(context.Background(), p)
	is.NoErr(err)
	is.Equal(second.Content[0].Text, "Tool said: sunny, 21C")
	is.Equal(second.StopReason, anthropic.StopReasonEndTurn)
}

func TestSDKImage(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropictest.New(t, key)
	c := client(s)
	p := userParams("what is this")
	p.Messages[0].Content = append(p.Messages[0].Content, anthropic.NewImageBlockBase64("image/png", pngData))
	msg, err := c.Messages.New(context.Background(), p)
	is.NoErr(err)
	is.Equal(msg.Usage.InputTokens, int64(3+3+100))

	p.Messages[0].Content[1] = anthropic.NewImageBlockBase64("image/jpeg", pngData)
	_, err = c.Messages.New(context.Background(), p)
	var apiErr *anthropic.Error
	is.True(errors.As(err, &apiErr))
	is.Equal(apiErr.StatusCode, 400)
	is.Equal(string(apiErr.Type()), "invalid_request_error")
}

func TestSDKErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		typ    string
	}{
		{400, "invalid_request_error"}, {401, "authentication_error"}, {403, "permission_error"},
		{404, "not_found_error"}, {413, "request_too_large"}, {429, "rate_limit_error"},
		{500, "api_error"}, {529, "overloaded_error"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			s := anthropictest.New(t, key)
			s.Fail(1, tt.status)
			c := client(s)
			_, err := c.Messages.New(context.Background(), userParams("hi"))
			var apiErr *anthropic.Error
			is.True(errors.As(err, &apiErr))
			is.Equal(apiErr.StatusCode, tt.status)
			is.Equal(string(apiErr.Type()), tt.typ)
			is.True(apiErr.RequestID != "")
		})
	}
	t.Run("WrongKey", func(t *testing.T) {
		t.Parallel()
		is := is.New(t)
		s := anthropictest.New(t, key)
		c := client(s, option.WithAPIKey("sk-ant-wrong"))
		_, err := c.Messages.New(context.Background(), userParams("hi"))
		var apiErr *anthropic.Error
		is.True(errors.As(err, &apiErr))
		is.Equal(apiErr.StatusCode, 401)
		is.Equal(string(apiErr.Type()), "authentication_error")
	})
	t.Run("InStream", func(t *testing.T) {
		t.Parallel()
		is := is.New(t)
		s := anthropictest.New(t, key)
		s.FailInStream(1)
		c := client(s)
		stream := c.Messages.NewStreaming(context.Background(), userParams("hi there"))
		events := 0
		for stream.Next() {
			events++
		}
		is.True(stream.Err() != nil)
		is.Equal(events, 3) // message_start, content_block_start, one delta; the ping is skipped
	})
}

func TestSDKModelsAndCount(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropictest.New(t, key)
	c := client(s)
	pager := c.Models.ListAutoPaging(context.Background(), anthropic.ModelListParams{Limit: anthropic.Int(4)})
	var ids []string
	for pager.Next() {
		ids = append(ids, pager.Current().ID)
	}
	is.NoErr(pager.Err())
	is.Equal(len(ids), len(anthropictest.Models()))
	is.Equal(ids[len(ids)-1], anthropictest.Models()[len(ids)-1].ID)
	var paths []string
	for _, r := range s.Requests() {
		paths = append(paths, r.Path+"?"+r.Query)
	}
	is.Equal(len(paths), 2) // two pages

	n, err := c.Messages.CountTokens(context.Background(), anthropic.MessageCountTokensParams{
		Model:    anthropic.ModelClaudeSonnet4_5,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("a b c d"))},
	})
	is.NoErr(err)
	is.Equal(n.InputTokens, int64(7))
}

func TestSDKBearer(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropictest.New(t, key)
	c := anthropic.NewClient(option.WithBaseURL(s.URL), option.WithAuthToken(key), option.WithMaxRetries(0))
	_, err := c.Messages.New(context.Background(), userParams("hi"))
	is.NoErr(err)
	is.Equal(s.Requests()[0].Header.Get("Authorization"), "Bearer "+key)
}

func TestSDKSetReply(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropictest.New(t, key)
	s.SetReply("Fixed answer here.")
	c := client(s)
	msg, err := c.Messages.New(context.Background(), userParams("anything"))
	is.NoErr(err)
	is.Equal(msg.Content[0].Text, "Fixed answer here.")
	is.Equal(msg.Usage.OutputTokens, int64(3))
}
