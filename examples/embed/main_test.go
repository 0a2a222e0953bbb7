package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The example serves its own route and the gateway's, side by side.
func TestEmbed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, addr) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	get := func(method, path, body string, header ...string) (int, string) {
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if status, _ := get("GET", "/hello", ""); status == http.StatusOK || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if status, body := get("GET", "/hello", ""); status != http.StatusOK || !strings.Contains(body, "own route") {
		t.Fatalf("the service's route: %d %s", status, body)
	}
	chat := `{"model":"mock-1","messages":[{"role":"user","content":"hi"}]}`
	if status, body := get("POST", "/llm/v1/chat/completions", chat, "X-User", "ada"); status != http.StatusOK || !strings.Contains(body, "Echo: hi") {
		t.Fatalf("the gateway's route: %d %s", status, body)
	}
	if status, _ := get("POST", "/llm/v1/chat/completions", chat); status != http.StatusUnauthorized {
		t.Fatalf("no user and no key: %d, want 401", status)
	}
}
