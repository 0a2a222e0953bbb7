package openaitest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

const azureKey = "0123456789abcdef0123456789abcdef"

// azureDo sends a request to an Azure server with the given headers.
func azureDo(t *testing.T, method, url string, header map[string]string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// newAzure returns an Azure server with the deployment "chat" serving
// gpt-4o-mini-2024-07-18 and "embed" serving text-embedding-3-small.
func newAzure(t *testing.T) *openaitest.Server {
	s := openaitest.NewAzure(t, azureKey)
	s.Deploy("chat", "gpt-4o-mini-2024-07-18")
	s.Deploy("embed", "text-embedding-3-small")
	return s
}

var apiKey = map[string]string{"api-key": azureKey}

func TestAzureChat(t *testing.T) {
	is := is.New(t)
	s := newAzure(t)
	url := s.URL + "/openai/deployments/chat/chat/completions?api-version=2024-10-21"
	resp, data := azureDo(t, http.MethodPost, url, apiKey, obj{"messages": []obj{{"role": "user", "content": "hello there"}}})
	is.Equal(resp.StatusCode, 200)
	is.True(resp.Header.Get("apim-request-id") != "")
	is.Equal(resp.Header.Get("openai-version"), "") // OpenAI's own headers are not Azure's
	m := decode(t, data)
	is.Equal(m["model"], "gpt-4o-mini-2024-07-18") // the deployment's model, though the body named none
	pf := m["prompt_filter_results"].([]any)[0].(obj)
	is.Equal(pf["prompt_index"], 0.0)
	is.Equal(pf["content_filter_results"].(obj)["violence"], obj{"filtered": false, "severity": "safe"})
	ch := m["choices"].([]any)[0].(obj)
	is.Equal(ch["message"].(obj)["content"], "Echo: hello there")
	is.Equal(ch["content_filter_results"].(obj)["hate"], obj{"filtered": false, "severity": "safe"})

	r := s.Requests()[0]
	is.Equal(r.Path, "/openai/deployments/chat/chat/completions")
	is.Equal(r.RawQuery, "api-version=2024-10-21")
	is.Equal(r.Header.Get("api-key"), azureKey)
}

func TestAzureV1(t *testing.T) {
	is := is.New(t)
	s := newAzure(t)
	resp, data := azureDo(t, http.MethodPost, s.URL+"/openai/v1/chat/completions",
		map[string]string{"Authorization": "Bearer " + azureKey}, obj{"model": "chat", "messages": []obj{{"role": "user", "content": "hi"}}})
	is.Equal(resp.StatusCode, 200) // no api-version needed; a bearer token is taken
	is.Equal(decode(t, data)["model"], "gpt-4o-mini-2024-07-18")

	resp, data = azureDo(t, http.MethodPost, s.URL+"/openai/v1/embeddings", apiKey, obj{"model": "embed", "input": "x"})
	is.Equal(resp.StatusCode, 200)
	is.Equal(decode(t, data)["model"], "text-embedding-3-small")

	resp, data = azureDo(t, http.MethodPost, s.URL+"/openai/v1/chat/completions", apiKey, userChat("hi"))
	is.Equal(resp.StatusCode, 404) // gpt-4o-mini is no deployment
	is.Equal(errorOf(t, data)["code"], "DeploymentNotFound")
}

func TestAzureStream(t *testing.T) {
	is := is.New(t)
	s := newAzure(t)
	s.SetChunks(2)
	url := s.URL + "/openai/deployments/chat/chat/completions?api-version=2024-10-21"
	resp, data := azureDo(t, http.MethodPost, url, apiKey, obj{"stream": true, "stream_options": obj{"include_usage": true},
		"messages": []obj{{"role": "user", "content": "one two"}}})
	is.Equal(resp.StatusCode, 200)
	chunks := sseEvents(t, data)
	is.Equal(len(chunks), 1+1+2+1+1) // prompt filter, role, content, finish, usage
	first := chunks[0]
	is.Equal(first["model"], "")
	is.Equal(first["choices"], []any{})
	is.True(first["prompt_filter_results"] != nil)
	for _, c := range chunks[1 : len(chunks)-1] {
		is.Equal(c["model"], "gpt-4o-mini-2024-07-18")
		is.True(chunkChoice(t, c)["content_filter_results"] != nil)
	}
	is.True(chunks[len(chunks)-1]["usage"] != nil)
}

func TestAzureErrors(t *testing.T) {
	s := newAzure(t)
	dated := s.URL + "/openai/deployments/chat/chat/completions"
	chat := obj{"messages": []obj{{"role": "user", "content": "hi"}}}
	tests := []struct {
		name    string
		url     string
		header  map[string]string
		status  int
		code    string
		message string
	}{
		{"NoAPIVersion", dated, apiKey, 400, "BadRequest", "Missing required query parameter: api-version"},
		{"BadAPIVersion", dated + "?api-version=latest", apiKey, 400, "BadRequest", "API version not supported"},
		{"NoKey", dated + "?api-version=2024-10-21", nil, 401, "401", "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."},
		{"BadKey", dated + "?api-version=2024-10-21", map[string]string{"api-key": "wrong"}, 401, "401",
			"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."},
		{"BadToken", dated + "?api-version=2024-10-21", map[string]string{"Authorization": "Bearer nope"}, 401, "401",
			"Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired."},
		{"NoDeployment", s.URL + "/openai/deployments/gpt-5/chat/completions?api-version=2024-10-21", apiKey, 404, "DeploymentNotFound",
			"The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."},
		{"UnknownPath", s.URL + "/v1/chat/completions", apiKey, 404, "404", "Resource not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			resp, data := azureDo(t, http.MethodPost, tt.url, tt.header, chat)
			is.Equal(resp.StatusCode, tt.status)
			is.Equal(decode(t, data), obj{"error": obj{"code": tt.code, "message": tt.message}})
		})
	}
}

func TestAzureContentFilter(t *testing.T) {
	s := newAzure(t)
	s.SetContentFilter("Forbidden")
	url := s.URL + "/openai/deployments/chat/chat/completions?api-version=2024-10-21"

	t.Run("Prompt", func(t *testing.T) {
		is := is.New(t)
		resp, data := azureDo(t, http.MethodPost, url, apiKey, obj{"messages": []obj{{"role": "user", "content": "a forbidden word"}}})
		is.Equal(resp.StatusCode, 400)
		e := errorOf(t, data)
		is.Equal(e["code"], "content_filter")
		is.Equal(e["param"], "prompt")
		is.Equal(e["status"], 400.0)
		_, hasType := e["type"]
		is.True(hasType) // present, and null
		is.Equal(e["type"], nil)
		is.True(strings.HasPrefix(e["message"].(string), "The response was filtered due to the prompt triggering Azure OpenAI's content management policy."))
		inner := e["innererror"].(obj)
		is.Equal(inner["code"], "ResponsibleAIPolicyViolation")
		is.Equal(inner["content_filter_result"].(obj)["violence"], obj{"filtered": true, "severity": "medium"})
	})
	t.Run("Completion", func(t *testing.T) {
		is := is.New(t)
		s.SetReply("Here is the forbidden part")
		resp, data := azureDo(t, http.MethodPost, url, apiKey, obj{"messages": []obj{{"role": "user", "content": "go"}}})
		is.Equal(resp.StatusCode, 200)
		ch := decode(t, data)["choices"].([]any)[0].(obj)
		is.Equal(ch["finish_reason"], "content_filter")
		is.Equal(ch["message"].(obj)["content"], "Here is the ")
		is.Equal(ch["content_filter_results"].(obj)["violence"], obj{"filtered": true, "severity": "medium"})

		resp, data = azureDo(t, http.MethodPost, url, apiKey, obj{"stream": true, "messages": []obj{{"role": "user", "content": "go"}}})
		is.Equal(resp.StatusCode, 200)
		chunks := sseEvents(t, data)
		is.Equal(chunkChoice(t, chunks[len(chunks)-1])["finish_reason"], "content_filter")
	})
}

func TestAzureModelsAndFail(t *testing.T) {
	is := is.New(t)
	s := newAzure(t)
	resp, data := azureDo(t, http.MethodGet, s.URL+"/openai/models?api-version=2024-10-21", apiKey, nil)
	is.Equal(resp.StatusCode, 200)
	m := decode(t, data)
	var ids []string
	for _, d := range m["data"].([]any) {
		ids = append(ids, d.(obj)["id"].(string))
		is.Equal(d.(obj)["status"], "succeeded")
	}
	is.Equal(ids, []string{"gpt-4o-mini-2024-07-18", "text-embedding-3-small"})

	s.Fail(1, 429)
	resp, data = azureDo(t, http.MethodGet, s.URL+"/openai/v1/models", apiKey, nil)
	is.Equal(resp.StatusCode, 429)
	is.Equal(resp.Header.Get("retry-after"), "1")
	is.Equal(errorOf(t, data)["code"], "429")
	s.Fail(1, 500)
	resp, data = azureDo(t, http.MethodGet, s.URL+"/openai/v1/models", apiKey, nil)
	is.Equal(resp.StatusCode, 500)
	is.Equal(errorOf(t, data)["type"], "server_error") // worded as OpenAI words it
}
