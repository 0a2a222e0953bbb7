package bench_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/internal/bench"
)

// TestUpstream checks the mock's wire format: a whole completion with
// usage, and a stream of chat.completion.chunk events with the usage
// chunk only when asked for, ended by [DONE].
func TestUpstream(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(bench.NewUpstream(5, time.Millisecond))
	t.Cleanup(srv.Close)
	post := func(t *testing.T, body string) *http.Response {
		t.Helper()
		resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	t.Run("Whole", func(t *testing.T) {
		is := is.New(t)
		resp := post(t, `{"model":"bench-fast","messages":[]}`)
		is.Equal(resp.StatusCode, http.StatusOK)
		var v struct {
			Object  string
			Choices []struct{ Message struct{ Content string } }
			Usage   bench.Usage
		}
		is.NoErr(json.NewDecoder(resp.Body).Decode(&v))
		is.Equal(v.Object, "chat.completion")
		is.Equal(v.Choices[0].Message.Content, bench.ExpectedText(5))
		is.Equal(v.Usage, bench.ExpectedUsage(5))
	})

	stream := func(t *testing.T, body string) (chunks int, usage *bench.Usage, last string) {
		t.Helper()
		resp := post(t, body)
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			last = data
			if data == "[DONE]" {
				continue
			}
			var c struct {
				Object  string
				Choices []json.RawMessage
				Usage   *bench.Usage
			}
			if err := json.Unmarshal([]byte(data), &c); err != nil || c.Object != "chat.completion.chunk" {
				t.Fatalf("chunk %q: %v", data, err)
			}
			if len(c.Choices) > 0 {
				chunks++
			}
			if c.Usage != nil {
				usage = c.Usage
			}
		}
		return chunks, usage, last
	}
	t.Run("StreamWithUsage", func(t *testing.T) {
		is := is.New(t)
		n, u, last := stream(t, `{"model":"bench-slow","stream":true,"stream_options":{"include_usage":true}}`)
		is.Equal(n, 5)
		is.True(u != nil)
		is.Equal(*u, bench.ExpectedUsage(5))
		is.Equal(last, "[DONE]")
	})
	t.Run("StreamWithoutUsage", func(t *testing.T) {
		is := is.New(t)
		n, u, last := stream(t, `{"model":"bench-fast","stream":true}`)
		is.Equal(n, 5)
		is.True(u == nil)
		is.Equal(last, "[DONE]")
	})
	t.Run("NotFound", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/v1/models")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		is.New(t).Equal(resp.StatusCode, http.StatusNotFound)
	})
}
