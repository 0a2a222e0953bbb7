package geminitest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/matryer/is"
	"google.golang.org/genai"

	"github.com/tollgate-ai/tollgate/internal/geminitest"
)

const key = "AIzaSyTest-0123456789abcdefghijklmnopqrstu"

// pngData is the start of a real PNG file.
var pngData = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

func client(tb testing.TB, s *geminitest.Server, apiKey string) *genai.Client {
	tb.Helper()
	c, err := genai.NewClient(context.Background(), &genai.ClientConfig{APIKey: apiKey, Backend: genai.BackendGeminiAPI,
		HTTPOptions: genai.HTTPOptions{BaseURL: s.URL}})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// bearer adds an OAuth access token to every request, as an authorized
// Google HTTP client does.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func vertexClient(tb testing.TB, s *geminitest.Server, token string) *genai.Client {
	tb.Helper()
	c, err := genai.NewClient(context.Background(), &genai.ClientConfig{Backend: genai.BackendVertexAI,
		Project: "proj-1", Location: "us-central1", HTTPClient: &http.Client{Transport: bearer{token}},
		HTTPOptions: genai.HTTPOptions{BaseURL: s.URL, APIVersion: "v1"}})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestSDKGenerateContent(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	c := client(t, s, key)
	resp, err := c.Models.GenerateContent(context.Background(), "gemini-2.5-flash", genai.Text("hello there world"),
		&genai.GenerateContentConfig{SystemInstruction: genai.NewContentFromText("Be brief.", genai.RoleUser)})
	is.NoErr(err)
	is.Equal(resp.Text(), "Echo: hello there world")
	is.Equal(len(resp.Candidates), 1)
	is.Equal(resp.Candidates[0].FinishReason, genai.FinishReasonStop)
	is.Equal(resp.Candidates[0].Content.Role, genai.RoleModel)
	is.Equal(resp.ModelVersion, "gemini-2.5-flash")
	is.True(resp.ResponseID != "")
	u := resp.UsageMetadata
	is.Equal(u.PromptTokenCount, int32(2+3)) // "Be brief." and the user's words
	is.Equal(u.CandidatesTokenCount, int32(4))
	is.Equal(u.TotalTokenCount, int32(9))

	reqs := s.Requests()
	is.Equal(len(reqs), 1)
	is.Equal(reqs[0].Path, "/v1beta/models/gemini-2.5-flash:generateContent")
	is.Equal(reqs[0].Header.Get("x-goog-api-key"), key)
}

func TestSDKGenerateContentStream(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	s.SetChunks(3)
	s.SetUsage(2, 7)
	c := client(t, s, key)
	var text strings.Builder
	var last *genai.GenerateContentResponse
	chunks := 0
	for resp, err := range c.Models.GenerateContentStream(context.Background(), "gemini-2.5-pro",
		genai.Text("one two three four five six"), nil) {
		is.NoErr(err)
		text.WriteString(resp.Text())
		last = resp
		chunks++
	}
	is.Equal(chunks, 3)
	is.Equal(text.String(), "Echo: one two three four five six")
	is.Equal(last.Candidates[0].FinishReason, genai.FinishReasonStop)
	is.Equal(last.UsageMetadata.CandidatesTokenCount, int32(7))
	is.Equal(last.UsageMetadata.CachedContentTokenCount, int32(2))
	is.Equal(last.UsageMetadata.ThoughtsTokenCount, int32(7))
	is.Equal(last.UsageMetadata.TotalTokenCount, int32(6+7+7))
	r := s.Requests()[0]
	is.Equal(r.Path, "/v1beta/models/gemini-2.5-pro:streamGenerateContent")
	is.Equal(r.Query, "alt=sse")
}

func TestSDKFunctionCalls(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	s.SetCallIDs(true)
	c := client(t, s, key)
	cfg := &genai.GenerateContentConfig{Tools: []*genai.Tool{{FunctionDeclarations: []*genai.FunctionDeclaration{
		{Name: "get_weather", Description: "Weather in a city", ParametersJsonSchema: map[string]any{
			"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}, "days": map[string]any{"type": "integer"}},
			"required": []string{"city"}}},
		{Name: "get_time", Parameters: &genai.Schema{Type: genai.TypeObject,
			Properties: map[string]*genai.Schema{"zone": {Type: genai.TypeString, Enum: []string{"UTC", "CET"}}}}},
	}}}}
	resp, err := c.Models.GenerateContent(context.Background(), "gemini-2.5-flash", genai.Text("Paris"), cfg)
	is.NoErr(err)
	calls := resp.FunctionCalls()
	is.Equal(len(calls), 2) // parallel calls
	is.Equal(calls[0].Name, "get_weather")
	is.Equal(calls[0].Args["city"], "Paris")
	is.Equal(calls[0].Args["days"], float64(1))
	is.True(strings.HasPrefix(calls[0].ID, "fc_"))
	is.Equal(calls[1].Name, "get_time")
	is.Equal(calls[1].Args["zone"], "UTC")
	is.Equal(resp.UsageMetadata.CandidatesTokenCount, int32(20))

	history := []*genai.Content{
		genai.NewContentFromText("Paris", genai.RoleUser),
		resp.Candidates[0].Content,
		genai.NewContentFromParts([]*genai.Part{
			genai.NewPartFromFunctionResponse("get_weather", map[string]any{"temp": 21}),
			genai.NewPartFromFunctionResponse("get_time", map[string]any{"time": "12:00"}),
		}, genai.RoleUser),
	}
	resp, err = c.Models.GenerateContent(context.Background(), "gemini-2.5-flash", history, cfg)
	is.NoErr(err)
	is.Equal(len(resp.FunctionCalls()), 0)
	is.Equal(resp.Text(), `Tool said: {"temp":21}; {"time":"12:00"}`)

	cfg.ToolConfig = &genai.ToolConfig{FunctionCallingConfig: &genai.FunctionCallingConfig{
		Mode: genai.FunctionCallingConfigModeAny, AllowedFunctionNames: []string{"get_time"}}}
	resp, err = c.Models.GenerateContent(context.Background(), "gemini-2.5-flash", genai.Text("now"), cfg)
	is.NoErr(err)
	is.Equal(len(resp.FunctionCalls()), 1)
	is.Equal(resp.FunctionCalls()[0].Name, "get_time")
}

func TestSDKStreamFunctionCalls(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	c := client(t, s, key)
	cfg := &genai.GenerateContentConfig{Tools: []*genai.Tool{{FunctionDeclarations: []*genai.FunctionDeclaration{
		{Name: "a"}, {Name: "b"}}}}}
	var calls []*genai.FunctionCall
	var finish genai.FinishReason
	for resp, err := range c.Models.GenerateContentStream(context.Background(), "gemini-2.5-flash", genai.Text("go"), cfg) {
		is.NoErr(err)
		calls = append(calls, resp.FunctionCalls()...)
		if fr := resp.Candidates[0].FinishReason; fr != "" {
			finish = fr
		}
	}
	is.Equal(len(calls), 2)
	is.Equal(calls[1].Name, "b")
	is.Equal(calls[0].ID, "") // no ids unless SetCallIDs
	is.Equal(finish, genai.FinishReasonStop)
}

func TestSDKImagesAndThoughts(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	s.SetUsage(0, 12)
	c := client(t, s, key)
	contents := []*genai.Content{genai.NewContentFromParts([]*genai.Part{
		genai.NewPartFromText("what is this"), genai.NewPartFromBytes(pngData, "image/png"),
	}, genai.RoleUser)}
	cfg := &genai.GenerateContentConfig{ThinkingConfig: &genai.ThinkingConfig{IncludeThoughts: true, ThinkingBudget: genai.Ptr[int32](1024)}}
	resp, err := c.Models.GenerateContent(context.Background(), "gemini-2.5-flash", contents, cfg)
	is.NoErr(err)
	parts := resp.Candidates[0].Content.Parts
	is.Equal(len(parts), 2)
	is.True(parts[0].Thought)
	is.Equal(parts[1].Text, "Echo: what is this [image/png]")
	is.Equal(resp.UsageMetadata.PromptTokenCount, int32(3+258))
	is.Equal(resp.UsageMetadata.ThoughtsTokenCount, int32(12))

	// Bytes that are not the image they claim to be are refused.
	contents[0].Parts[1] = genai.NewPartFromBytes([]byte("GIF89a not a png"), "image/png")
	_, err = c.Models.GenerateContent(context.Background(), "gemini-2.5-flash", contents, nil)
	var apiErr genai.APIError
	is.True(errors.As(err, &apiErr))
	is.Equal(apiErr.Code, 400)
	is.Equal(apiErr.Status, "INVALID_ARGUMENT")
	is.True(strings.HasPrefix(apiErr.Message, "Unable to process input image."))
}

func TestSDKSafety(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	c := client(t, s, key)
	s.BlockReply("SAFETY")
	resp, err := c.Models.GenerateContent(context.Background(), "gemini-2.5-flash", genai.Text("hi"), nil)
	is.NoErr(err)
	is.Equal(resp.Candidates[0].FinishReason, genai.FinishReasonSafety)
	is.True(resp.Candidates[0].Content == nil)
	blocked := false
	for _, r := range resp.Candidates[0].SafetyRatings {
		blocked = blocked || r.Blocked
	}
	is.True(blocked)

	s.BlockReply("")
	s.BlockPrompt("OTHER")
	resp, err = c.Models.GenerateContent(context.Background(), "gemini-2.5-flash", genai.Text("hi"), nil)
	is.NoErr(err)
	is.Equal(len(resp.Candidates), 0)
	is.Equal(resp.PromptFeedback.BlockReason, genai.BlockedReasonOther)
}

func TestSDKEmbedContent(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	c := client(t, s, key)
	resp, err := c.Models.EmbedContent(context.Background(), "gemini-embedding-001",
		[]*genai.Content{genai.NewContentFromText("alpha", genai.RoleUser), genai.NewContentFromText("beta", genai.RoleUser)},
		&genai.EmbedContentConfig{OutputDimensionality: genai.Ptr[int32](16)})
	is.NoErr(err)
	is.Equal(len(resp.Embeddings), 2)
	is.Equal(resp.Embeddings[0].Values, geminitest.Embed("alpha", 16))
	is.Equal(resp.Embeddings[1].Values, geminitest.Embed("beta", 16))
	is.Equal(s.Requests()[0].Path, "/v1beta/models/gemini-embedding-001:batchEmbedContents")

	// A chat model makes no embeddings.
	_, err = c.Models.EmbedContent(context.Background(), "gemini-2.5-flash", genai.Text("x"), nil)
	var apiErr genai.APIError
	is.True(errors.As(err, &apiErr))
	is.Equal(apiErr.Code, 404)
}

func TestSDKErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		apiKey  string
		fail    int
		extra   map[string]any
		model   string
		code    int
		status  string
		message string // a prefix
		reason  string // of an ErrorInfo detail, if any
	}{
		{name: "KeyInvalid", apiKey: "AIzaSy-wrong", code: 400, status: "INVALID_ARGUMENT",
			message: "API key not valid.", reason: "API_KEY_INVALID"},
		{name: "RateLimited", fail: 429, code: 429, status: "RESOURCE_EXHAUSTED", message: "You exceeded your current quota"},
		{name: "Internal", fail: 500, code: 500, status: "INTERNAL", message: "An internal error has occurred."},
		{name: "Overloaded", fail: 503, code: 503, status: "UNAVAILABLE", message: "The model is overloaded."},
		{name: "DeadlineExceeded", fail: 504, code: 504, status: "DEADLINE_EXCEEDED", message: "Deadline expired"},
		{name: "ScriptedForbidden", fail: 403, code: 403, status: "PERMISSION_DENIED", message: "Method doesn't allow unregistered callers"},
		{name: "UnknownModel", model: "palm-2", code: 404, status: "NOT_FOUND", message: "models/palm-2 is not found"},
		{name: "UnknownField", extra: map[string]any{"bogus": 1}, code: 400, status: "INVALID_ARGUMENT",
			message: `Invalid JSON payload received. Unknown name "bogus"`},
		{name: "BadCandidateCount", extra: map[string]any{"generationConfig": map[string]any{"candidateCount": 9}},
			code: 400, status: "INVALID_ARGUMENT", message: "* GenerateContentRequest.generation_config.candidate_count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			s := geminitest.New(t, key)
			s.Fail(1, tt.fail)
			apiKey := key
			if tt.apiKey != "" {
				apiKey = tt.apiKey
			}
			model := "gemini-2.5-flash"
			if tt.model != "" {
				model = tt.model
			}
			c := client(t, s, apiKey)
			_, err := c.Models.GenerateContent(context.Background(), model, genai.Text("hi"),
				&genai.GenerateContentConfig{HTTPOptions: &genai.HTTPOptions{ExtraBody: tt.extra}})
			var apiErr genai.APIError
			is.True(errors.As(err, &apiErr))
			is.Equal(apiErr.Code, tt.code)
			is.Equal(apiErr.Status, tt.status)
			is.True(strings.HasPrefix(apiErr.Message, tt.message)) // the message
			if tt.reason != "" {
				is.Equal(apiErr.Details[0]["reason"], tt.reason)
			}
		})
	}
}

func TestSDKScriptedErrors(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	c := client(t, s, key)

	s.Fail(1, 429)
	_, err := c.Models.GenerateContent(context.Background(), "gemini-2.5-flash", genai.Text("hi"), nil)
	var apiErr genai.APIError
	is.True(errors.As(err, &apiErr))
	is.Equal(apiErr.Code, 429)
	is.Equal(apiErr.Status, "RESOURCE_EXHAUSTED")
	retry := ""
	for _, d := range apiErr.Details {
		if d["@type"] == "type.googleapis.com/google.rpc.RetryInfo" {
			retry, _ = d["retryDelay"].(string)
		}
	}
	is.Equal(retry, geminitest.RetryDelay)

	s.Fail(1, 503)
	for _, err := range c.Models.GenerateContentStream(context.Background(), "gemini-2.5-flash", genai.Text("hi"), nil) {
		is.True(errors.As(err, &apiErr))
		is.Equal(apiErr.Code, 503)
		is.Equal(apiErr.Status, "UNAVAILABLE")
		break
	}

	// An error in the middle of a stream reaches the SDK as an APIError.
	s.FailInStream(1)
	var got []error
	for _, err := range c.Models.GenerateContentStream(context.Background(), "gemini-2.5-flash", genai.Text("a b c d e f"), nil) {
		got = append(got, err)
	}
	is.Equal(len(got), 2)
	is.NoErr(got[0])
	is.True(errors.As(got[1], &apiErr))
	is.Equal(apiErr.Code, 500)
	is.Equal(apiErr.Status, "INTERNAL")
}
