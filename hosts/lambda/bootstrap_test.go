package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"
)

// TestBootstrap builds the real bootstrap binary, as a deployment does,
// and runs it against a fake Lambda Runtime API: a cold start, buffered
// requests, a chat completion streamed chunk by chunk and a function
// error.
func TestBootstrap(t *testing.T) {
	goBin := findGo(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "bootstrap")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, goBin, "build", "-tags", "lambda.norpc", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	rt := newRuntimeAPI(t)
	first := rt.Invoke(event(t, httpAPI, "GET", "/healthz", "", nil)) // waiting when the function asks for its first event
	var logs lockedBuffer
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = []string{ // only these: nothing of the test's environment leaks in
		"AWS_LAMBDA_RUNTIME_API=" + rt.addr,
		"AWS_LAMBDA_FUNCTION_NAME=tollgate",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024",
		"TZ=UTC",
		"HOME=" + dir,
		"TOLLGATE_DATA_DIR=" + filepath.Join(dir, "data"),
		"TOLLGATE_ADMIN_KEY=" + adminKey,
		"TOLLGATE_LAMBDA_STREAMING=on",
	}
	cmd.Stdout, cmd.Stderr = &logs, &logs
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("function output:\n%s", logs.String())
		}
	})

	is := is.New(t)
	resp, d := buffered(t, rt, first)
	coldStart := d.At.Sub(began)
	is.Equal(resp.StatusCode, http.StatusOK)
	is.True(strings.Contains(resp.Body, `"ok"`))
	rt.mu.Lock()
	is.Equal(rt.extensions, []string{"GoLangEnableSIGTERM"}) // SIGTERM closes the gateway
	rt.mu.Unlock()
	initMS := "?"
	if m := regexp.MustCompile(`init_ms=(\d+)`).FindStringSubmatch(logs.String()); m != nil {
		initMS = m[1]
	}
	t.Logf("cold start (process start to first response): %s, of which the gateway's init (config, store, migrations, snapshot): %s ms",
		coldStart.Round(time.Millisecond), initMS)

	call := func(method, target, token string, body, out any) int {
		t.Helper()
		resp, _ := buffered(t, rt, rt.Invoke(event(t, httpAPI, method, target, token, body)))
		if out != nil {
			if err := json.Unmarshal([]byte(resp.Body), out); err != nil {
				t.Fatalf("%s %s: %q: %v", method, target, resp.Body, err)
			}
		}
		return resp.StatusCode
	}
	is.Equal(call("POST", "/admin/providers", adminKey, map[string]any{
		"name": "demo", "type": "mock", "models": []string{"mock-*"},
		"options":     map[string]string{"chunks": "4", "delay": "100ms"},
		"credentials": []map[string]any{{"secret": "x"}},
	}, nil), http.StatusCreated)
	var acct struct{ ID string }
	is.Equal(call("POST", "/admin/accounts", adminKey, map[string]any{"name": "team-a"}, &acct), http.StatusCreated)
	var key struct{ Key string }
	is.Equal(call("POST", "/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{"name": "lambda"}, &key), http.StatusCreated)
	chat := func(stream bool) map[string]any {
		return map[string]any{"model": "mock-1", "stream": stream, "messages": []map[string]string{{"role": "user", "content": "hello lambda"}}}
	}

	t.Run("Chat", func(t *testing.T) {
		is := is.New(t)
		const n = 20
		var total time.Duration
		for range n {
			var out struct {
				Choices []struct{ Message struct{ Content string } }
			}
			began := time.Now()
			is.Equal(call("POST", "/v1/chat/completions", key.Key, chat(false), &out), http.StatusOK)
			total += time.Since(began)
			is.Equal(out.Choices[0].Message.Content, "Echo: hello lambda")
		}
		t.Logf("warm chat completion against the mock provider, invocation to response, mean of %d: %s", n, (total / n).Round(10*time.Microsecond))
	})

	t.Run("StreamedChat", func(t *testing.T) {
		is := is.New(t)
		id := rt.Invoke(event(t, functionURL, "POST", "/v1/chat/completions", key.Key, chat(true)))
		d := rt.Await(id, 30*time.Second)
		defer d.Done()
		is.Equal(d.Kind, "response")
		is.Equal(d.Header.Get("Content-Type"), "application/vnd.awslambda.http-integration-response")
		is.True(d.Chunked)
		t.Logf("Lambda-Runtime-Function-Response-Mode: %q (aws-lambda-go sends none; the content type marks the stream)",
			d.Header.Get("Lambda-Runtime-Function-Response-Mode"))
		r := bufio.NewReader(d.Body)
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
		is.Equal(nul, make([]byte, 7)) // 8 NUL bytes end the prelude

		var arrivals []time.Duration
		var content strings.Builder
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
			arrivals = append(arrivals, time.Since(d.At))
			var chunk struct {
				Choices []struct{ Delta struct{ Content string } }
			}
			if data != "[DONE]" {
				is.NoErr(json.Unmarshal([]byte(data), &chunk))
				if len(chunk.Choices) > 0 {
					content.WriteString(chunk.Choices[0].Delta.Content)
				}
			}
		}
		is.Equal(content.String(), "Echo: hello lambda")
		is.Equal(d.Trailer().Get("Lambda-Runtime-Function-Error-Type"), "") // no error trailers
		is.True(len(arrivals) >= 5)
		// Four chunks 100ms apart reach the runtime as they are made.
		is.True(arrivals[len(arrivals)-1]-arrivals[0] >= 250*time.Millisecond)
		t.Logf("SSE events reached the runtime at %v after the response began", arrivals)
	})

	t.Run("FunctionError", func(t *testing.T) {
		is := is.New(t)
		d := rt.Await(rt.Invoke([]byte(`{"source":"aws.events","detail-type":"Scheduled Event","detail":{}}`)), 30*time.Second)
		body, err := io.ReadAll(d.Body)
		d.Done()
		is.NoErr(err)
		is.Equal(d.Kind, "error")
		is.Equal(d.Header.Get("Content-Type"), "application/json")
		var lerr struct {
			Message string `json:"errorMessage"`
			Type    string `json:"errorType"`
		}
		is.NoErr(json.Unmarshal(body, &lerr))
		is.True(strings.Contains(lerr.Message, "not an HTTP event"))
		is.True(lerr.Type != "")
		// The function lives on.
		resp, _ := buffered(t, rt, rt.Invoke(event(t, httpAPI, "GET", "/healthz", "", nil)))
		is.Equal(resp.StatusCode, http.StatusOK)
	})
}

// buffered awaits a buffered reply to invocation id and decodes it.
func buffered(t *testing.T, rt *runtimeAPI, id string) (events.APIGatewayV2HTTPResponse, *delivery) {
	t.Helper()
	d := rt.Await(id, time.Minute)
	body, err := io.ReadAll(d.Body)
	d.Done()
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != "response" {
		t.Fatalf("invocation %s: %s %s", id, d.Kind, body)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("invocation %s: %q: %v", id, body, err)
	}
	return resp, d
}

// findGo returns the go command, or skips the test without one.
func findGo(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		t.Skip("no go command to build the bootstrap binary with")
	}
	return p
}

// lockedBuffer collects the function's output from its copying goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
