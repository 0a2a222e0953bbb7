package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"
)

const adminKey = "test-admin-key-0123456789"

// start runs the Lambda program's cold start in process, on SQLite in a
// temporary directory and the memory Cache.
func start(t *testing.T, env map[string]string) *Main {
	t.Helper()
	env["TOLLGATE_DATA_DIR"] = t.TempDir()
	env["TOLLGATE_ADMIN_KEY"] = adminKey
	env["TOLLGATE_RECORD_INTERVAL"] = "1h" // records reach the Store only through the flush after each invocation
	m := NewMain()
	m.Getenv = func(k string) string { return env[k] }
	m.Stderr = io.Discard
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// event is an HTTP request as API Gateway (domain *.execute-api...) or a
// Function URL (domain *.lambda-url...) delivers it, in payload format 2.0.
func event(t testing.TB, domain, method, target, token string, body any) json.RawMessage {
	t.Helper()
	path, query, _ := strings.Cut(target, "?")
	headers := map[string]string{"host": domain, "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https"}
	if token != "" {
		headers["authorization"] = "Bearer " + token
	}
	var text string
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		text = string(b)
		headers["content-type"] = "application/json"
	}
	e := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: path, RawQueryString: query, Headers: headers, Body: text,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "123456789012", APIID: strings.Split(domain, ".")[0], DomainName: domain,
			DomainPrefix: strings.Split(domain, ".")[0], RequestID: "req-1", RouteKey: "$default", Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1",
				SourceIP: "203.0.113.9", UserAgent: "test"},
		},
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	httpAPI     = "abcdef1234.execute-api.eu-west-1.amazonaws.com"
	functionURL = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws"
)

// call invokes the handler with an HTTP API event and decodes the JSON
// body into out (when not nil); it returns the status.
func call(t *testing.T, m *Main, method, target, token string, body, out any) int {
	t.Helper()
	v, err := m.Handler().Invoke(context.Background(), event(t, httpAPI, method, target, token, body))
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	resp, ok := v.(events.APIGatewayV2HTTPResponse)
	if !ok {
		t.Fatalf("%s %s: answered %T", method, target, v)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp.Body), out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, target, resp.Body, err)
		}
	}
	return resp.StatusCode
}

// issueKey adds a mock provider serving mock-* through the admin API and
// issues a client key.
func issueKey(t *testing.T, m *Main) string {
	t.Helper()
	is := is.New(t)
	is.Equal(call(t, m, "POST", "/admin/providers", adminKey, map[string]any{
		"name": "demo", "type": "mock", "models": []string{"mock-*"},
		"options":     map[string]string{"chunks": "4", "delay": "30ms"},
		"credentials": []map[string]any{{"secret": "x"}},
	}, nil), http.StatusCreated)
	var acct struct{ ID string }
	is.Equal(call(t, m, "POST", "/admin/accounts", adminKey, map[string]any{"name": "team-a"}, &acct), http.StatusCreated)
	var key struct{ Key string }
	is.Equal(call(t, m, "POST", "/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{"name": "lambda"}, &key), http.StatusCreated)
	return key.Key
}

func TestGatewayOnLambda(t *testing.T) {
	m := start(t, map[string]string{"TOLLGATE_LAMBDA_STREAMING": "on"})
	key := issueKey(t, m)
	chat := func(stream bool) map[string]any {
		return map[string]any{"model": "mock-1", "stream": stream, "messages": []map[string]string{{"role": "user", "content": "hello lambda"}}}
	}

	t.Run("Chat", func(t *testing.T) {
		is := is.New(t)
		var out struct {
			Choices []struct{ Message struct{ Content string } }
			Usage   struct {
				TotalTokens int `json:"total_tokens"`
			}
		}
		is.Equal(call(t, m, "POST", "/v1/chat/completions", key, chat(false), &out), http.StatusOK)
		is.Equal(len(out.Choices), 1)
		is.Equal(out.Choices[0].Message.Content, "Echo: hello lambda")
		is.True(out.Usage.TotalTokens > 0)
	})

	t.Run("Unauthenticated", func(t *testing.T) {
		var out struct{ Error struct{ Type string } }
		is.New(t).Equal(call(t, m, "POST", "/v1/chat/completions", "tg-wrong", chat(false), &out), http.StatusUnauthorized)
	})

	t.Run("StreamBufferedThroughHTTPAPI", func(t *testing.T) {
		is := is.New(t)
		v, err := m.Handler().Invoke(context.Background(), event(t, httpAPI, "POST", "/v1/chat/completions", key, chat(true)))
		is.NoErr(err)
		resp := v.(events.APIGatewayV2HTTPResponse)
		is.Equal(resp.StatusCode, http.StatusOK)
		is.True(strings.HasPrefix(resp.Headers["Content-Type"], "text/event-stream"))
		is.True(strings.HasSuffix(resp.Body, "data: [DONE]\n\n"))
	})

	t.Run("StreamThroughFunctionURL", func(t *testing.T) {
		is := is.New(t)
		began := time.Now()
		v, err := m.Handler().Invoke(context.Background(), event(t, functionURL, "POST", "/v1/chat/completions", key, chat(true)))
		is.NoErr(err)
		resp, ok := v.(*events.LambdaFunctionURLStreamingResponse)
		is.True(ok)
		defer resp.Close()
		r := bufio.NewReader(resp)
		prelude, err := r.ReadBytes(0)
		is.NoErr(err)
		var head struct {
			StatusCode int               `json:"statusCode"`
			Headers    map[string]string `json:"headers"`
		}
		is.NoErr(json.Unmarshal(bytes.TrimRight(prelude, "\x00"), &head))
		is.Equal(head.StatusCode, http.StatusOK)
		is.True(strings.HasPrefix(head.Headers["Content-Type"], "text/event-stream"))
		nul := make([]byte, 7)
		_, err = io.ReadFull(r, nul)
		is.NoErr(err)
		is.Equal(nul, make([]byte, 7))

		var content strings.Builder
		var arrivals []time.Duration
		for {
			line, err := r.ReadString('\n')
			if err == io.EOF {
				break
			}
			is.NoErr(err)
			data, ok := strings.CutPrefix(strings.TrimSpace(line), "data: ")
			if !ok {
				continue
			}
			arrivals = append(arrivals, time.Since(began))
			if data == "[DONE]" {
				continue
			}
			var chunk struct {
				Choices []struct{ Delta struct{ Content string } }
			}
			is.NoErr(json.Unmarshal([]byte(data), &chunk))
			if len(chunk.Choices) > 0 {
				content.WriteString(chunk.Choices[0].Delta.Content)
			}
		}
		is.Equal(content.String(), "Echo: hello lambda")
		is.True(len(arrivals) >= 5)
		// 4 chunks 30ms apart: the first arrived well before the last.
		is.True(arrivals[len(arrivals)-1]-arrivals[0] >= 60*time.Millisecond)
		t.Logf("SSE events arrived at %v", arrivals)
	})

	t.Run("RecordsFlushedByEachInvocation", func(t *testing.T) {
		is := is.New(t)
		var logs struct {
			Data []struct{ Model, Code string }
		}
		is.Equal(call(t, m, "GET", "/admin/logs?limit=100", adminKey, nil, &logs), http.StatusOK)
		chats := 0
		for _, r := range logs.Data {
			if r.Model == "mock-1" {
				chats++
			}
		}
		is.True(chats >= 3) // the two streams and the chat, with no flush but the handler's
	})
}

func TestAdminKeyRequired(t *testing.T) {
	m := NewMain()
	m.Getenv = func(k string) string { return map[string]string{"TOLLGATE_DATA_DIR": t.TempDir()}[k] }
	m.Stderr = io.Discard
	err := m.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "TOLLGATE_ADMIN_KEY") {
		t.Fatalf("Start without an admin key: %v", err)
	}
}
