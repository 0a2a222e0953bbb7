package awslambda_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/awslambda"
)

// prelude is the JSON that starts a streamed response to a Function URL,
// before 8 NUL bytes and the body.
type prelude struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Cookies    []string          `json:"cookies"`
}

// readPrelude reads a streamed response as the Lambda runtime sends it
// (application/vnd.awslambda.http-integration-response) up to its body.
func readPrelude(t *testing.T, r *bufio.Reader) prelude {
	t.Helper()
	var raw []byte
	for !bytes.HasSuffix(raw, make([]byte, 8)) {
		b, err := r.ReadByte()
		if err != nil {
			t.Fatalf("read the prelude: %v (so far %q)", err, raw)
		}
		raw = append(raw, b)
	}
	var p prelude
	if err := json.Unmarshal(raw[:len(raw)-8], &p); err != nil {
		t.Fatalf("prelude %q: %v", raw, err)
	}
	return p
}

// within fails the test unless f returns in time.
func within[T any](t *testing.T, d time.Duration, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(d):
		t.Fatalf("no answer within %s", d)
		panic("unreachable")
	}
}

func TestStreamedSSE(t *testing.T) {
	is := is.New(t)
	var s seen
	proceed := make(chan struct{})
	var returned, afterRan atomic.Bool
	var afterSawReturn atomic.Bool
	h := awslambda.New(record(&s, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Add("Set-Cookie", "session=x")
		_, _ = io.WriteString(w, "data: {\"n\":1}\n\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush: %v", err)
		}
		<-proceed // the first chunk must reach the reader while the handler still runs
		_, _ = io.WriteString(w, "data: {\"n\":2}\n\n")
		w.(http.Flusher).Flush()
		_, _ = io.WriteString(w, "data: [DONE]\n\n") // left in the buffer: sent when the handler returns
		returned.Store(true)
	}), awslambda.Config{Stream: true, After: func(context.Context) {
		afterSawReturn.Store(returned.Load())
		afterRan.Store(true)
	}})

	event := fixture(t, "function-url-stream.json")
	out := within(t, 5*time.Second, func() any {
		out, err := h.Invoke(context.Background(), event)
		if err != nil {
			t.Errorf("invoke: %v", err)
		}
		return out
	})
	resp, ok := out.(*events.LambdaFunctionURLStreamingResponse)
	is.True(ok)
	is.Equal(resp.ContentType(), "application/vnd.awslambda.http-integration-response")
	is.Equal(s.path, "/v1/chat/completions")
	is.Equal(s.remote, "198.51.100.23:0")
	is.Equal(s.header.Get("Authorization"), "Bearer tg-test")
	is.Equal(string(s.body), `{"model":"mock-1","stream":true,"messages":[{"role":"user","content":"hello"}]}`)

	// Read the response as the runtime client does: the whole reader.
	r := bufio.NewReader(resp)
	p := readPrelude(t, r)
	is.Equal(p.StatusCode, http.StatusOK)
	is.Equal(p.Headers["Content-Type"], "text/event-stream")
	is.Equal(p.Cookies, []string{"session=x"})
	line := func() string {
		return within(t, 5*time.Second, func() string {
			l, err := r.ReadString('\n')
			if err != nil {
				t.Errorf("read: %v", err)
			}
			return l
		})
	}
	is.Equal(line(), "data: {\"n\":1}\n")
	is.Equal(line(), "\n")
	is.True(!returned.Load()) // the handler is still running
	is.True(!afterRan.Load())
	close(proceed)
	is.Equal(line(), "data: {\"n\":2}\n")
	is.Equal(line(), "\n")
	rest := within(t, 5*time.Second, func() string {
		b, err := io.ReadAll(r)
		if err != nil {
			t.Errorf("read: %v", err)
		}
		return string(b)
	})
	is.Equal(rest, "data: [DONE]\n\n")
	is.True(afterRan.Load())       // After ran before the body ended...
	is.True(afterSawReturn.Load()) // ...and after the handler returned
	is.NoErr(resp.Close())
}

func TestStreamedStatus(t *testing.T) {
	is := is.New(t)
	h := awslambda.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"message":"slow down"}}`)
	}), awslambda.Config{Stream: true})
	out, err := h.Invoke(context.Background(), fixture(t, "function-url-post.json"))
	is.NoErr(err)
	resp := out.(*events.LambdaFunctionURLStreamingResponse)
	is.Equal(resp.StatusCode, http.StatusTooManyRequests)
	b, err := io.ReadAll(resp)
	is.NoErr(err)
	head, body, ok := bytes.Cut(b, make([]byte, 8))
	is.True(ok)
	is.True(strings.Contains(string(head), `"statusCode":429`))
	is.Equal(string(body), `{"error":{"message":"slow down"}}`)
}

func TestStreamedPanic(t *testing.T) {
	t.Run("BeforeWriting", func(t *testing.T) {
		is := is.New(t)
		var afters atomic.Int32
		h := awslambda.New(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }),
			awslambda.Config{Stream: true, After: func(context.Context) { afters.Add(1) }})
		_, err := h.Invoke(context.Background(), fixture(t, "function-url-post.json"))
		is.True(err != nil && strings.Contains(err.Error(), "boom")) // a function error
		is.Equal(afters.Load(), int32(1))
	})
	t.Run("MidStream", func(t *testing.T) {
		is := is.New(t)
		h := awslambda.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "data: 1\n\n")
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}), awslambda.Config{Stream: true})
		out, err := h.Invoke(context.Background(), fixture(t, "function-url-post.json"))
		is.NoErr(err)
		b, err := io.ReadAll(out.(*events.LambdaFunctionURLStreamingResponse))
		is.True(err != nil) // the runtime client turns this into error trailers
		is.True(bytes.HasSuffix(b, []byte("data: 1\n\n")))
	})
}
