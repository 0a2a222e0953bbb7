package geminitest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/internal/geminitest"
)

const hello = `{"contents":[{"role":"user","parts":[{"text":"hello there world"}]}]}`

// do sends a request with the given headers ("key: value") and returns the
// response with its body read.
func do(tb testing.TB, method, url, body string, headers ...string) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, string(b)
}

func TestSSEFraming(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	s.SetChunks(3)
	resp, body := do(t, "POST", s.APIBase()+"/models/gemini-2.5-flash:streamGenerateContent?alt=sse", hello, "x-goog-api-key: "+key)
	is.Equal(resp.StatusCode, 200)
	is.Equal(resp.Header.Get("Content-Type"), "text/event-stream")
	is.True(strings.HasSuffix(body, "\r\n\r\n")) // every event ends with a blank CRLF line
	is.True(!strings.Contains(body, "[DONE]"))   // the stream just ends
	events := strings.Split(strings.TrimSuffix(body, "\r\n\r\n"), "\r\n\r\n")
	is.Equal(len(events), 3)
	text := ""
	for i, ev := range events {
		data, ok := strings.CutPrefix(ev, "data: ")
		is.True(ok)                                                                          // one data field per event
		is.True(!strings.ContainsAny(data, "\r\n"))                                          // on one line
		is.True(strings.HasPrefix(data, `{"candidates": [{"content": {"parts": [{"text": `)) // the API's spacing
		var v struct {
			Candidates []struct {
				Content struct {
					Parts []struct{ Text string } `json:"parts"`
					Role  string                  `json:"role"`
				} `json:"content"`
				FinishReason string `json:"finishReason"`
			} `json:"candidates"`
			UsageMetadata *struct {
				PromptTokenCount     int `json:"promptTokenCount"`
				CandidatesTokenCount int `json:"candidatesTokenCount"`
			} `json:"usageMetadata"`
		}
		is.NoErr(json.Unmarshal([]byte(data), &v))
		is.Equal(v.Candidates[0].Content.Role, "model")
		text += v.Candidates[0].Content.Parts[0].Text
		is.True(v.UsageMetadata != nil) // usage on every chunk, cumulative
		is.Equal(v.UsageMetadata.PromptTokenCount, 3)
		if i == 2 {
			is.Equal(v.Candidates[0].FinishReason, "STOP")
			is.Equal(v.UsageMetadata.CandidatesTokenCount, 4)
		} else {
			is.Equal(v.Candidates[0].FinishReason, "")
		}
	}
	is.Equal(text, "Echo: hello there world")
}

func TestJSONArrayStream(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	s.SetChunks(2)
	resp, body := do(t, "POST", s.APIBase()+"/models/gemini-2.5-flash:streamGenerateContent", hello, "x-goog-api-key: "+key)
	is.Equal(resp.StatusCode, 200)
	is.True(strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json"))
	is.True(strings.HasPrefix(body, "[{\n  \"candidates\""))
	is.True(strings.HasSuffix(body, "}]"))
	var chunks []map[string]any
	is.NoErr(json.Unmarshal([]byte(body), &chunks))
	is.Equal(len(chunks), 2)

	// An error of such a call comes inside an array too.
	s.Fail(1, 429)
	resp, body = do(t, "POST", s.APIBase()+"/models/gemini-2.5-flash:streamGenerateContent", hello, "x-goog-api-key: "+key)
	is.Equal(resp.StatusCode, 429)
	is.True(strings.HasPrefix(body, "[{\n  \"error\": {\n    \"code\": 429,"))
}

func TestAuth(t *testing.T) {
	t.Parallel()
	s := geminitest.New(t, key)
	gen := s.APIBase() + "/models/gemini-2.5-flash:generateContent"
	vertex := s.VertexBase() + "/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent"
	tests := []struct {
		name    string
		url     string
		headers []string
		status  int
		body    string // the whole body, when set
		reason  string
	}{
		{name: "Header", url: gen, headers: []string{"x-goog-api-key: " + key}, status: 200},
		{name: "Query", url: gen + "?key=" + key, status: 200},
		{name: "GeminiBearer", url: gen, headers: []string{"Authorization: Bearer " + key}, status: 200},
		{name: "NoKey", url: gen, status: 403, body: "{\n  \"error\": {\n    \"code\": 403,\n    \"message\": \"Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.\",\n    \"status\": \"PERMISSION_DENIED\"\n  }\n}\n"},
		{name: "WrongKey", url: gen, headers: []string{"x-goog-api-key: AIza-wrong"}, status: 400, reason: "API_KEY_INVALID"},
		{name: "WrongQueryKey", url: gen + "?key=AIza-wrong", status: 400, reason: "API_KEY_INVALID"},
		{name: "VertexBearer", url: vertex, headers: []string{"Authorization: Bearer " + key}, status: 200},
		{name: "VertexNoToken", url: vertex, headers: []string{"x-goog-api-key: " + key}, status: 401, reason: "CREDENTIALS_MISSING"},
		{name: "VertexWrongToken", url: vertex, headers: []string{"Authorization: Bearer nope"}, status: 401, reason: "ACCESS_TOKEN_TYPE_UNSUPPORTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			resp, body := do(t, "POST", tt.url, hello, tt.headers...)
			is.Equal(resp.StatusCode, tt.status)
			if tt.body != "" {
				is.Equal(body, tt.body)
			}
			if tt.reason != "" {
				var e struct {
					Error struct {
						Code    int              `json:"code"`
						Details []map[string]any `json:"details"`
					} `json:"error"`
				}
				is.NoErr(json.Unmarshal([]byte(body), &e))
				is.Equal(e.Error.Code, tt.status)
				is.Equal(e.Error.Details[0]["reason"], tt.reason)
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	resp, body := do(t, "POST", s.URL+"/v2/models/x:generateContent", hello, "x-goog-api-key: "+key)
	is.Equal(resp.StatusCode, 404)
	is.True(strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html")) // Google's front end page
	is.True(strings.Contains(body, "Error 404 (Not Found)"))

	resp, body = do(t, "GET", s.APIBase()+"/models/gemini-2.5-flash:generateContent", "", "x-goog-api-key: "+key)
	is.Equal(resp.StatusCode, 404)
	is.True(strings.Contains(body, `"message": "Method not found."`))

	resp, body = do(t, "POST", s.APIBase()+"/models/gemini-2.5-flash:predict", hello, "x-goog-api-key: "+key)
	is.Equal(resp.StatusCode, 404) // predict is Vertex AI's
	is.True(strings.Contains(body, "Method not found."))

	resp, body = do(t, "GET", s.APIBase()+"/models/gemini-2.5-pro", "", "x-goog-api-key: "+key)
	is.Equal(resp.StatusCode, 200)
	is.True(strings.Contains(body, `"name": "models/gemini-2.5-pro"`))

	resp, _ = do(t, "GET", s.APIBase()+"/models?pageToken=bogus", "", "x-goog-api-key: "+key)
	is.Equal(resp.StatusCode, 400)
}

func TestValidation(t *testing.T) {
	t.Parallel()
	s := geminitest.New(t, key)
	png := "iVBORw0KGgoAAAANSUhEUg=="
	tests := []struct {
		name, body, message string
	}{
		{"NoContents", `{}`, "* GenerateContentRequest.contents: contents is not specified\n"},
		{"BadRole", `{"contents":[{"role":"assistant","parts":[{"text":"x"}]}]}`, "Please use a valid role: user, model."},
		{"NoParts", `{"contents":[{"role":"user","parts":[]}]}`, "* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.\n"},
		{"EmptyPart", `{"contents":[{"parts":[{}]}]}`, "* GenerateContentRequest.contents[0].parts[0].data: required oneof field 'data' must have one initialized field\n"},
		{"TwoKinds", `{"contents":[{"parts":[{"text":"a","inlineData":{"mimeType":"image/png","data":"` + png + `"}}]}]}`, "* GenerateContentRequest.contents[0].parts[0].data: oneof field 'data' is already set."},
		{"BadBase64", `{"contents":[{"parts":[{"inlineData":{"mimeType":"image/png","data":"%%%"}}]}]}`, "Invalid JSON payload received. Invalid value at 'contents[0].parts[0].inline_data.data' (TYPE_BYTES)"},
		{"UnsupportedImage", `{"contents":[{"parts":[{"inlineData":{"mimeType":"image/bmp","data":"` + png + `"}}]}]}`, "Unsupported MIME type: image/bmp"},
		{"NotTheImage", `{"contents":[{"parts":[{"inlineData":{"mimeType":"image/jpeg","data":"` + png + `"}}]}]}`, "Unable to process input image."},
		{"FileWithoutType", `{"contents":[{"parts":[{"fileData":{"fileUri":"gs://b/o.png"}}]}]}`, "* GenerateContentRequest.contents[0].parts[0].file_data.mime_type: mime_type is required."},
		{"ResponseNotObject", `{"contents":[{"parts":[{"functionResponse":{"name":"f","response":"x"}}]}]}`, "Invalid JSON payload received. Invalid value at 'contents[0].parts[0].function_response.response'"},
		{"ArgsNotObject", `{"contents":[{"role":"model","parts":[{"functionCall":{"name":"f","args":[1]}}]}]}`, "Invalid JSON payload received. Invalid value at 'contents[0].parts[0].function_call.args'"},
		{"BadFunctionName", `{"contents":[{"parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"1bad"}]}]}`, "* GenerateContentRequest.tools[0].function_declarations[0].name: Invalid function name."},
		{"DuplicateFunction", `{"contents":[{"parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f"},{"name":"f"}]}]}`, "Duplicate function declaration found: f"},
		{"BothSchemas", `{"contents":[{"parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT"},"parametersJsonSchema":{"type":"object"}}]}]}`, "* GenerateContentRequest.tools[0].function_declarations[0]: parameters and parameters_json_schema are mutually exclusive."},
		{"SchemaNotObject", `{"contents":[{"parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f","parametersJsonSchema":{"type":"string"}}]}]}`, "* GenerateContentRequest.tools[0].function_declarations[0].parameters_json_schema"},
		{"BadMode", `{"contents":[{"parts":[{"text":"x"}]}],"toolConfig":{"functionCallingConfig":{"mode":"SOMETIMES"}}}`, "Invalid JSON payload received. Invalid value at 'tool_config.function_calling_config.mode'"},
		{"AllowedWithoutAny", `{"contents":[{"parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f"}]}],"toolConfig":{"functionCallingConfig":{"mode":"AUTO","allowedFunctionNames":["f"]}}}`, "* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names"},
		{"AllowedUndeclared", `{"contents":[{"parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f"}]}],"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["g"]}}}`, "* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: allowed function \"g\""},
		{"SchemaWithoutJSON", `{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"responseJsonSchema":{"type":"object"}}}`, "* GenerateContentRequest.generation_config.response_mime_type"},
		{"BudgetAndLevel", `{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"thinkingBudget":10,"thinkingLevel":"LOW"}}}`, "You can only set only one of thinking budget and thinking level."},
		{"UnknownNested", `{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"max_tokens":5}}`, `Invalid JSON payload received. Unknown name "max_tokens": Cannot find field.`},
		{"WrongType", `{"contents":"x"}`, "Invalid JSON payload received. Invalid value at 'contents'"},
		{"Malformed", `{"contents":[`, "Invalid JSON payload received. Unexpected token."},
		{"Trailing", hello + `}`, "Invalid JSON payload received. Unexpected token."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			resp, body := do(t, "POST", s.APIBase()+"/models/gemini-2.5-flash:generateContent", tt.body, "x-goog-api-key: "+key)
			is.Equal(resp.StatusCode, 400)
			var e struct {
				Error struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
					Status  string `json:"status"`
				} `json:"error"`
			}
			is.NoErr(json.Unmarshal([]byte(body), &e))
			is.Equal(e.Error.Status, "INVALID_ARGUMENT")
			if !strings.HasPrefix(e.Error.Message, tt.message) {
				t.Fatalf("message %q, want a prefix %q", e.Error.Message, tt.message)
			}
		})
	}
}

func TestStreamCutAndFailure(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	s.SetChunks(4)
	url := s.APIBase() + "/models/gemini-2.5-flash:streamGenerateContent?alt=sse"

	s.FailInStream(1)
	_, body := do(t, "POST", url, `{"contents":[{"parts":[{"text":"a b c d e f g"}]}]}`, "x-goog-api-key: "+key)
	events := strings.Split(strings.TrimSuffix(body, "\r\n\r\n"), "\r\n\r\n")
	is.Equal(len(events), 2)
	is.Equal(events[1], `data: {"error": {"code": 500,"message": "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting","status": "INTERNAL"}}`)

	s.CutAfter(1)
	req, _ := http.NewRequest("POST", url, strings.NewReader(hello))
	req.Header.Set("x-goog-api-key", key)
	resp, err := http.DefaultClient.Do(req)
	is.NoErr(err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	is.True(err != nil) // the connection drops mid-response
	is.Equal(bytes.Count(got, []byte("\r\n\r\n")), 1)
}

func TestGenerationConfig(t *testing.T) {
	t.Parallel()
	s := geminitest.New(t, key)
	tests := []struct {
		name, config string
		texts        []string
		finish       string
	}{
		{"Candidates", `{"candidateCount":2}`, []string{"Echo: hello there world", "Echo: hello there world"}, "STOP"},
		{"MaxTokens", `{"maxOutputTokens":2}`, []string{"Echo: hello"}, "MAX_TOKENS"},
		{"Stop", `{"stopSequences":[" there"]}`, []string{"Echo: hello"}, "STOP"},
		{"JSON", `{"responseMimeType":"application/json"}`, []string{`{"reply":"Echo: hello there world"}`}, "STOP"},
		{"Schema", `{"responseMimeType":"application/json","responseJsonSchema":{"type":"object","properties":{"n":{"type":"integer"},"s":{"type":"string"}}}}`,
			[]string{`{"n":1,"s":"Echo: hello there world"}`}, "STOP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			body := `{"contents":[{"parts":[{"text":"hello there world"}]}],"generationConfig":` + tt.config + `}`
			resp, out := do(t, "POST", s.APIBase()+"/models/gemini-2.5-flash:generateContent", body, "x-goog-api-key: "+key)
			is.Equal(resp.StatusCode, 200)
			var v struct {
				Candidates []struct {
					Content struct {
						Parts []struct{ Text string } `json:"parts"`
					} `json:"content"`
					FinishReason string `json:"finishReason"`
					Index        int    `json:"index"`
				} `json:"candidates"`
			}
			is.NoErr(json.Unmarshal([]byte(out), &v))
			is.Equal(len(v.Candidates), len(tt.texts))
			for i, c := range v.Candidates {
				is.Equal(c.Index, i)
				is.Equal(c.Content.Parts[0].Text, tt.texts[i])
				is.Equal(c.FinishReason, tt.finish)
			}
		})
	}
}

func TestEmbeddingWire(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	resp, body := do(t, "POST", s.APIBase()+"/models/text-embedding-004:embedContent",
		`{"content":{"parts":[{"text":"hi"}]},"outputDimensionality":3}`, "x-goog-api-key: "+key)
	is.Equal(resp.StatusCode, 200)
	var one struct {
		Embedding struct{ Values []float32 } `json:"embedding"`
	}
	is.NoErr(json.Unmarshal([]byte(body), &one))
	is.Equal(one.Embedding.Values, geminitest.Embed("hi", 3))

	resp, body = do(t, "POST", s.APIBase()+"/models/text-embedding-004:batchEmbedContents",
		`{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"hi"}]}}]}`, "x-goog-api-key: "+key)
	is.Equal(resp.StatusCode, 400) // each request names the batch's model
	is.True(strings.Contains(body, "requests[0].model"))

	resp, body = do(t, "POST", s.VertexBase()+"/projects/p/locations/global/publishers/google/models/text-embedding-005:predict",
		`{"instances":[{"content":"a b"},{"content":"c"}],"parameters":{"outputDimensionality":2}}`, "Authorization: Bearer "+key)
	is.Equal(resp.StatusCode, 200)
	var pr struct {
		Predictions []struct {
			Embeddings struct {
				Values     []float32 `json:"values"`
				Statistics struct {
					TokenCount int `json:"token_count"`
				} `json:"statistics"`
			} `json:"embeddings"`
		} `json:"predictions"`
		Metadata struct {
			BillableCharacterCount int `json:"billableCharacterCount"`
		} `json:"metadata"`
	}
	is.NoErr(json.Unmarshal([]byte(body), &pr))
	is.Equal(len(pr.Predictions), 2)
	is.Equal(pr.Predictions[0].Embeddings.Values, geminitest.Embed("a b", 2))
	is.Equal(pr.Predictions[0].Embeddings.Statistics.TokenCount, 2)
	is.Equal(pr.Metadata.BillableCharacterCount, 3)
}

func TestCountTokensVertex(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	resp, body := do(t, "POST", s.VertexBase()+"/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:countTokens",
		hello, "Authorization: Bearer "+key)
	is.Equal(resp.StatusCode, 200)
	var v struct {
		TotalTokens             int  `json:"totalTokens"`
		TotalBillableCharacters *int `json:"totalBillableCharacters"`
	}
	is.NoErr(json.Unmarshal([]byte(body), &v))
	is.Equal(v.TotalTokens, 3)
	is.Equal(*v.TotalBillableCharacters, len("hellothereworld"))
}

func TestRecording(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	do(t, "POST", s.APIBase()+"/models/gemini-2.5-flash:generateContent?key="+key, hello)
	s.SetRecord(false)
	do(t, "POST", s.APIBase()+"/models/gemini-2.5-flash:generateContent?key="+key, hello)
	reqs := s.Requests()
	is.Equal(len(reqs), 1)
	is.Equal(reqs[0].Method, "POST")
	is.Equal(reqs[0].Query, "key="+key)
	is.Equal(string(reqs[0].Body), hello)
}

func TestReplyAndDelay(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := geminitest.New(t, key)
	s.SetReply("fixed answer here")
	s.SetChunks(3)
	s.SetChunkDelay(20 * time.Millisecond)
	start := time.Now()
	_, body := do(t, "POST", s.APIBase()+"/models/gemini-2.5-flash:streamGenerateContent?alt=sse", hello, "x-goog-api-key: "+key)
	is.True(time.Since(start) >= 60*time.Millisecond) // a pause before each of the 3 chunks
	is.True(strings.Contains(body, `{"text": "fixed "}`))
	is.True(strings.Contains(body, `{"text": "here"}`))
	is.True(!strings.Contains(body, "Echo"))
}
