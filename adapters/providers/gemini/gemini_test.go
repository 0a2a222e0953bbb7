package gemini_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/gemini"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/geminitest"
)

const testKey = "AIzaSyTest-0123456789abcdefghijklmnopqrs"

// pngURL is a data: URL of the start of a real PNG file.
var pngURL = "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))

// mustNew returns an Upstream for p, closed by t.Cleanup.
func mustNew(tb testing.TB, p *gateway.Provider) *gemini.Upstream {
	tb.Helper()
	if p.Name == "" {
		p.Name, p.Type = "gemini", "gemini"
	}
	u, err := gemini.New(p, gemini.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = u.Close() })
	return u
}

// api returns an Upstream of the Gemini API style on srv.
func api(tb testing.TB, srv *geminitest.Server) *gemini.Upstream {
	return mustNew(tb, &gateway.Provider{BaseURL: srv.APIBase()})
}

// vertex returns an Upstream of the Vertex AI style on srv.
func vertex(tb testing.TB, srv *geminitest.Server) *gemini.Upstream {
	return mustNew(tb, &gateway.Provider{BaseURL: srv.VertexBase(),
		Options: map[string]string{"google_project": "proj-1", "google_location": "us-central1"}})
}

func cred(secret string) *gateway.Credential {
	return &gateway.Credential{ID: "cred_1", Secret: gateway.Secret(secret), Weight: 1}
}

func userChat(model, text string) *gateway.ChatRequest {
	return &gateway.ChatRequest{Model: model, Messages: []gateway.Message{{Role: "user", Content: gateway.TextContent(text)}}}
}

// asError returns err as a *gateway.Error or fails the test.
func asError(tb testing.TB, err error) *gateway.Error {
	tb.Helper()
	var e *gateway.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error %v (%T) is not a *gateway.Error", err, err)
	}
	return e
}

// drain reads s to the end and returns the chunks.
func drain(tb testing.TB, s gateway.ChatStream) []*gateway.ChatChunk {
	tb.Helper()
	var out []*gateway.ChatChunk
	for {
		c, err := s.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatalf("Next after %d chunks: %v", len(out), err)
		}
		out = append(out, c)
	}
}

// sentBody decodes the body of the server's request i.
func sentBody(tb testing.TB, srv *geminitest.Server, i int) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(srv.Requests()[i].Body, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

func TestChat(t *testing.T) {
	t.Parallel()
	for _, style := range []string{"api", "vertex"} {
		t.Run(style, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			srv := geminitest.New(t, testKey)
			u := api(t, srv)
			if style == "vertex" {
				u = vertex(t, srv)
			}
			req := userChat("gemini-2.5-flash", "hello there world")
			req.Messages = append([]gateway.Message{{Role: "system", Content: gateway.TextContent("Be brief.")}}, req.Messages...)
			resp, err := u.Chat(context.Background(), cred(testKey), req)
			is.NoErr(err)
			is.Equal(resp.Object, "chat.completion")
			is.Equal(resp.Model, "gemini-2.5-flash")
			is.True(resp.ID != "")
			is.True(resp.Created > 0)
			is.Equal(len(resp.Choices), 1)
			c := resp.Choices[0]
			is.Equal(c.Message.Role, "assistant")
			is.Equal(c.Message.Content.Text(), "Echo: hello there world")
			is.Equal(c.FinishReason, "stop")
			is.Equal(resp.Usage.PromptTokens, 2+3)
			is.Equal(resp.Usage.CompletionTokens, 4)
			is.Equal(resp.Usage.TotalTokens, 9)
			is.True(resp.Usage.PromptTokensDetails == nil)

			r := srv.Requests()[0]
			if style == "vertex" {
				is.Equal(r.Path, "/v1/projects/proj-1/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent")
				is.Equal(r.Header.Get("Authorization"), "Bearer "+testKey)
				is.Equal(r.Header.Get("x-goog-api-key"), "")
			} else {
				is.Equal(r.Path, "/v1beta/models/gemini-2.5-flash:generateContent")
				is.Equal(r.Header.Get("x-goog-api-key"), testKey)
				is.Equal(r.Header.Get("Authorization"), "")
			}
			is.Equal(r.Query, "")
			is.Equal(r.Header.Get("Content-Type"), "application/json")
			body := sentBody(t, srv, 0)
			is.Equal(body["systemInstruction"], map[string]any{"parts": []any{map[string]any{"text": "Be brief."}}})
			is.Equal(body["contents"], []any{map[string]any{"role": "user", "parts": []any{map[string]any{"text": "hello there world"}}}})
		})
	}
}

func TestChatRequestShape(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	u := mustNew(t, &gateway.Provider{BaseURL: srv.APIBase() + "/", Headers: map[string]string{"X-Team": "search", "x-goog-api-key": "override"}})
	req := userChat("gemini-2.5-flash", "hi")
	temp, topP, maxTok, n, seed, pp, fp := 0.5, 0.9, 50, 2, int64(7), 0.1, 0.2
	req.Temperature, req.TopP, req.MaxCompletionTokens, req.N, req.Seed = &temp, &topP, &maxTok, &n, &seed
	req.PresencePenalty, req.FrequencyPenalty = &pp, &fp
	req.Stop = gateway.Stop{"END"}
	req.User = "u-1"
	req.Extra = gateway.Extra{"reasoning_effort": json.RawMessage(`"low"`), "logprobs": json.RawMessage(`true`)}
	_, err := u.Chat(context.Background(), cred("ignored"), req)
	is.True(err != nil) // Provider.Headers override the driver's own: the server sees the wrong key
	is.Equal(asError(t, err).Status, 400)

	u = mustNew(t, &gateway.Provider{BaseURL: srv.APIBase() + "/", Headers: map[string]string{"X-Team": "search"}})
	resp, err := u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	is.Equal(len(resp.Choices), 2)
	is.Equal(resp.Choices[1].Index, 1)
	r := srv.Requests()[1]
	is.Equal(r.Path, "/v1beta/models/gemini-2.5-flash:generateContent") // a trailing slash is fine
	is.Equal(r.Header.Get("X-Team"), "search")
	body := sentBody(t, srv, 1)
	is.Equal(body["generationConfig"], map[string]any{"stopSequences": []any{"END"}, "candidateCount": 2.0, "maxOutputTokens": 50.0,
		"temperature": 0.5, "topP": 0.9, "seed": 7.0, "presencePenalty": 0.1, "frequencyPenalty": 0.2,
		"thinkingConfig": map[string]any{"thinkingBudget": 1024.0}})
	for _, k := range []string{"user", "logprobs", "model", "messages", "stream"} {
		_, ok := body[k]
		is.True(!ok) // unknown fields are dropped: the API refuses them
	}
}

func TestChatImages(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	u := api(t, srv)
	req := &gateway.ChatRequest{Model: "gemini-2.5-flash", Messages: []gateway.Message{{Role: "user", Content: gateway.PartsContent(
		gateway.ContentPart{Type: "text", Text: "what is this"},
		gateway.ContentPart{Type: "image_url", ImageURL: &gateway.ImageURL{URL: pngURL}},
		gateway.ContentPart{Type: "image_url", ImageURL: &gateway.ImageURL{URL: "https://example.com/cat.webp?x=1"}},
		gateway.ContentPart{Type: "input_audio", InputAudio: &gateway.InputAudio{Data: "UklGRg==", Format: "wav"}},
	)}}}
	resp, err := u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	is.Equal(resp.Choices[0].Message.Content.Text(), "Echo: what is this [image/png] [image/webp] [audio/wav]")
	is.Equal(resp.Usage.PromptTokens, 3+3*258)
	parts := sentBody(t, srv, 0)["contents"].([]any)[0].(map[string]any)["parts"].([]any)
	is.Equal(parts[1], map[string]any{"inlineData": map[string]any{"mimeType": "image/png", "data": strings.TrimPrefix(pngURL, "data:image/png;base64,")}})
	is.Equal(parts[2], map[string]any{"fileData": map[string]any{"mimeType": "image/webp", "fileUri": "https://example.com/cat.webp?x=1"}})

	// The server checks the bytes: a PNG that is not one is the client's fault.
	req.Messages[0].Content.Parts[1].ImageURL.URL = "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("GIF89a"))
	_, err = u.Chat(context.Background(), cred(testKey), req)
	e := asError(t, err)
	is.Equal(e.Code, gateway.CodeInvalid)
	is.Equal(e.Type, "INVALID_ARGUMENT")
	is.True(strings.HasPrefix(e.Message, "gemini: Unable to process input image."))
	is.True(!e.Delivered)
}

func TestChatTools(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	u := api(t, srv)
	tools := []gateway.Tool{
		{Type: "function", Function: gateway.Function{Name: "get_weather", Description: "Weather",
			Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}`)}},
		{Type: "function", Function: gateway.Function{Name: "get_time"}},
	}
	req := userChat("gemini-2.5-flash", "Paris")
	req.Tools = tools
	resp, err := u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	msg := resp.Choices[0].Message
	is.Equal(resp.Choices[0].FinishReason, "tool_calls")
	is.True(msg.Content.IsNull())   // only tool calls
	is.Equal(len(msg.ToolCalls), 2) // parallel calls
	is.Equal(msg.ToolCalls[0].Function.Name, "get_weather")
	is.Equal(msg.ToolCalls[0].Function.Arguments, `{"city":"Paris"}`)
	is.Equal(msg.ToolCalls[0].Type, "function")
	is.True(strings.HasPrefix(msg.ToolCalls[0].ID, "call_")) // generated: the model gave none
	is.True(msg.ToolCalls[0].ID != msg.ToolCalls[1].ID)
	is.Equal(msg.ToolCalls[1].Function.Arguments, `{}`)
	body := sentBody(t, srv, 0)
	decl := body["tools"].([]any)[0].(map[string]any)["functionDeclarations"].([]any)
	is.Equal(decl[0].(map[string]any)["parametersJsonSchema"].(map[string]any)["additionalProperties"], false) // JSON Schema unchanged

	// The results go back as function responses, in one user turn.
	req.Messages = append(req.Messages, msg,
		gateway.Message{Role: "tool", ToolCallID: msg.ToolCalls[0].ID, Content: gateway.TextContent(`{"temp": 21}`)},
		gateway.Message{Role: "tool", ToolCallID: msg.ToolCalls[1].ID, Content: gateway.TextContent("12:00")})
	resp, err = u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	is.Equal(resp.Choices[0].Message.Content.Text(), `Tool said: {"temp":21}; {"content":"12:00"}`)
	is.Equal(resp.Choices[0].FinishReason, "stop")
	contents := sentBody(t, srv, 1)["contents"].([]any)
	is.Equal(len(contents), 3)
	is.Equal(contents[1].(map[string]any)["role"], "model")
	call := contents[1].(map[string]any)["parts"].([]any)[0].(map[string]any)["functionCall"].(map[string]any)
	is.Equal(call["name"], "get_weather")
	is.Equal(call["id"], msg.ToolCalls[0].ID)
	is.Equal(call["args"], map[string]any{"city": "Paris"})
	responses := contents[2].(map[string]any)["parts"].([]any)
	is.Equal(len(responses), 2)
	is.Equal(responses[1].(map[string]any)["functionResponse"], map[string]any{"id": msg.ToolCalls[1].ID, "name": "get_time",
		"response": map[string]any{"content": "12:00"}})

	// A named function: mode ANY with that name only.
	srv.SetCallIDs(true)
	req = userChat("gemini-2.5-flash", "now")
	req.Tools = tools
	req.ToolChoice = &gateway.ToolChoice{Mode: "function", Function: "get_time"}
	resp, err = u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	is.Equal(len(resp.Choices[0].Message.ToolCalls), 1)
	is.True(strings.HasPrefix(resp.Choices[0].Message.ToolCalls[0].ID, "fc_")) // the model's own id
	is.Equal(sentBody(t, srv, 2)["toolConfig"], map[string]any{"functionCallingConfig": map[string]any{"mode": "ANY", "allowedFunctionNames": []any{"get_time"}}})

	req.ToolChoice = &gateway.ToolChoice{Mode: "none"}
	resp, err = u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	is.Equal(resp.Choices[0].Message.Content.Text(), "Echo: now")
}

func TestChatUsageDetails(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	srv.SetUsage(2, 30)
	u := api(t, srv)
	req := userChat("gemini-2.5-pro", "one two three four")
	req.Extra = gateway.Extra{"google": json.RawMessage(`{"thinking_config":{"include_thoughts":true,"thinking_budget":2048}}`)}
	resp, err := u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	us := resp.Usage
	is.Equal(us.PromptTokens, 4)
	is.Equal(us.CompletionTokens, 5+30) // thoughts are billed as output
	is.Equal(us.TotalTokens, 4+5+30)
	is.Equal(us.CachedTokens(), 2)
	is.Equal(us.CompletionTokensDetails.ReasoningTokens, 30)
	msg := resp.Choices[0].Message
	is.Equal(msg.Content.Text(), "Echo: one two three four") // thoughts stay out of the content
	var reasoning string
	is.NoErr(json.Unmarshal(msg.Extra["reasoning_content"], &reasoning))
	is.True(strings.Contains(reasoning, "The user wrote: one two three four"))
	is.Equal(sentBody(t, srv, 0)["generationConfig"], map[string]any{"thinkingConfig": map[string]any{"includeThoughts": true, "thinkingBudget": 2048.0}})
}

func TestChatResponseFormat(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	u := api(t, srv)
	req := userChat("gemini-2.5-flash", "hi")
	req.ResponseFormat = &gateway.ResponseFormat{Type: "json_schema",
		JSONSchema: json.RawMessage(`{"name":"r","strict":true,"schema":{"type":"object","properties":{"n":{"type":"integer"}}}}`)}
	resp, err := u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	is.Equal(resp.Choices[0].Message.Content.Text(), `{"n":1}`)
	is.Equal(sentBody(t, srv, 0)["generationConfig"], map[string]any{"responseMimeType": "application/json",
		"responseJsonSchema": map[string]any{"type": "object", "properties": map[string]any{"n": map[string]any{"type": "integer"}}}})

	req.ResponseFormat = &gateway.ResponseFormat{Type: "json_object"}
	resp, err = u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	is.Equal(resp.Choices[0].Message.Content.Text(), `{"reply":"Echo: hi"}`)
}

func TestChatSafety(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	u := api(t, srv)
	srv.BlockReply("SAFETY")
	resp, err := u.Chat(context.Background(), cred(testKey), userChat("gemini-2.5-flash", "hi"))
	is.NoErr(err)
	is.Equal(resp.Choices[0].FinishReason, "content_filter")
	is.Equal(resp.Choices[0].Message.Content.Text(), "")

	srv.BlockReply("")
	srv.BlockPrompt("PROHIBITED_CONTENT")
	resp, err = u.Chat(context.Background(), cred(testKey), userChat("gemini-2.5-flash", "hi"))
	is.NoErr(err)
	is.Equal(len(resp.Choices), 1)
	is.Equal(resp.Choices[0].FinishReason, "content_filter")
	is.Equal(resp.Choices[0].Message.Content.Text(), "")
	is.Equal(resp.Usage.PromptTokens, 1)
	is.Equal(resp.Usage.CompletionTokens, 0)
}

func TestChatLength(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	u := api(t, srv)
	req := userChat("gemini-2.5-flash", "a b c d")
	limit := 2
	req.MaxTokens = &limit
	resp, err := u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	is.Equal(resp.Choices[0].FinishReason, "length")
	is.Equal(resp.Choices[0].Message.Content.Text(), "Echo: a")
}

func TestChatInvalid(t *testing.T) {
	t.Parallel()
	srv := geminitest.New(t, testKey)
	u := api(t, srv)
	tests := []struct {
		name  string
		req   *gateway.ChatRequest
		field string
	}{
		{"BadModel", userChat("gemini:generateContent?x=1", "hi"), "model"},
		{"DotDotModel", userChat("../secrets", "hi"), "model"},
		{"OnlySystem", &gateway.ChatRequest{Model: "gemini-2.5-flash", Messages: []gateway.Message{{Role: "system", Content: gateway.TextContent("x")}}}, "messages"},
		{"BadArguments", &gateway.ChatRequest{Model: "gemini-2.5-flash", Messages: []gateway.Message{{Role: "user", Content: gateway.TextContent("x")},
			{Role: "assistant", ToolCalls: []gateway.ToolCall{{ID: "c1", Function: gateway.FunctionCall{Name: "f", Arguments: "[1,2]"}}}}}}, "messages"},
		{"UnknownToolCall", &gateway.ChatRequest{Model: "gemini-2.5-flash", Messages: []gateway.Message{{Role: "user", Content: gateway.TextContent("x")},
			{Role: "tool", ToolCallID: "nope", Content: gateway.TextContent("r")}}}, "messages"},
		{"Seed", func() *gateway.ChatRequest {
			r := userChat("gemini-2.5-flash", "x")
			s := int64(1) << 40
			r.Seed = &s
			return r
		}(), "seed"},
		{"Effort", func() *gateway.ChatRequest {
			r := userChat("gemini-2.5-flash", "x")
			r.Extra = gateway.Extra{"reasoning_effort": json.RawMessage(`"extreme"`)}
			return r
		}(), "reasoning_effort"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			_, err := u.Chat(context.Background(), cred(testKey), tt.req)
			e := asError(t, err)
			is.Equal(e.Code, gateway.CodeInvalid)
			is.Equal(e.Field, tt.field)
			is.True(!e.Delivered)
		})
	}
	t.Cleanup(func() { is.New(t).Equal(len(srv.Requests()), 0) }) // nothing was sent, once the subtests are done
}
