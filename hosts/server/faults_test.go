package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

// faultCase is one failure of the primary provider's upstream and what
// must follow from it.
type faultCase struct {
	name   string
	stream bool
	// fault is injected into the primary upstream after the warm-up; a
	// nil fault closes it (connection refused).
	fault *openaitest.Fault
	times int // requests the fault applies to (default 1)
	// What must follow: the chain of attempts ("provider/credential:outcome",
	// outcome "ok", an HTTP status or an error code), the status the
	// client saw and, for streams, how its body ends; the credentials'
	// states and the primary breaker's state after.
	attempts  string
	status    int
	streamEnd string // "[DONE]" or the error event's code
	// first, second: the states of the credential tried first and of
	// the other (smooth round robin decides which is which).
	first, second string
	breaker       string
	clientSays    string // a part of the error message the client got
}

// Every way the primary upstream can fail, against the real wire test
// server, through the whole server: the chain of attempts, the
// credentials' states, the breaker's state and what the client saw.
//
// The primary provider has credentials k1 and k2, a breaker that opens at 50% failures over at least 4
// requests, credentials degraded at their first failure in a row and
// disabled at their second, and a 1 s timeout; a backup provider comes
// next in the chain. Two warm-up requests succeed first, so the
// provider is known to work (a provider that never worked is an outage,
// which is the breaker's business, not its credentials').
func TestFaultInjection(t *testing.T) {
	t.Parallel()
	for _, tc := range []faultCase{
		{name: "500", fault: &openaitest.Fault{Status: 500},
			attempts: "primary/first:500 primary/second:ok", status: 200, first: "degraded", second: "active", breaker: "closed"},
		{name: "502", fault: &openaitest.Fault{Status: 502},
			attempts: "primary/first:502 primary/second:ok", status: 200, first: "degraded", second: "active", breaker: "closed"},
		{name: "503", fault: &openaitest.Fault{Status: 503},
			attempts: "primary/first:503 primary/second:ok", status: 200, first: "degraded", second: "active", breaker: "closed"},
		{name: "529", fault: &openaitest.Fault{Status: 529},
			attempts: "primary/first:529 primary/second:ok", status: 200, first: "degraded", second: "active", breaker: "closed"},
		{name: "429WithRetryAfter", fault: &openaitest.Fault{Status: 429},
			attempts: "primary/first:429 primary/second:ok", status: 200, first: "degraded", second: "active", breaker: "closed"},
		{name: "429WithoutRetryAfter", fault: &openaitest.Fault{Status: 429, NoRetryAfter: true},
			attempts: "primary/first:429 primary/second:ok", status: 200, first: "degraded", second: "active", breaker: "closed"},
		{name: "401", fault: &openaitest.Fault{Status: 401},
			attempts: "primary/first:401 primary/second:ok", status: 200, first: "invalid", second: "active", breaker: "closed"},
		{name: "400NotRetried", fault: &openaitest.Fault{Status: 400},
			attempts: "primary/first:400", status: 400, first: "active", second: "active", breaker: "closed", clientSays: "could not be processed"},
		{name: "503EverywhereOpensTheBreaker", fault: &openaitest.Fault{Status: 503}, times: 2,
			attempts: "primary/first:503 primary/second:503 backup/b1:ok", status: 200, first: "degraded", second: "degraded", breaker: "open"},
		{name: "ConnectionRefused", fault: nil,
			attempts: "primary/first:upstream_failed primary/second:upstream_failed backup/b1:ok", status: 200, first: "degraded", second: "degraded", breaker: "open"},
		{name: "ResetMidBody", fault: &openaitest.Fault{ResetMidBody: true},
			attempts: "primary/first:upstream_failed", status: 502, first: "degraded", second: "active", breaker: "closed"},
		{name: "HangPastTheDeadline", fault: &openaitest.Fault{Hang: 5 * time.Second},
			attempts: "primary/first:upstream_timeout", status: 504, first: "degraded", second: "active", breaker: "closed"},
		{name: "StreamFailsBeforeItsFirstChunk", stream: true, fault: &openaitest.Fault{Status: 503},
			attempts: "primary/first:503 primary/second:ok", status: 200, streamEnd: "[DONE]", first: "degraded", second: "active", breaker: "closed"},
		{name: "StreamCutAfterTwoChunks", stream: true, fault: &openaitest.Fault{CutAfter: 2},
			attempts: "primary/first:upstream_failed", status: 200, streamEnd: "upstream_failed", first: "degraded", second: "active", breaker: "closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runFault(t, tc)
		})
	}
}

func runFault(t *testing.T, tc faultCase) {
	is := is.New(t)
	primary := openaitest.New(t) // any bearer token
	backup := openaitest.New(t)
	_, base := gatewayServer(t, map[string]string{})
	providers := map[string]string{} // id → name
	creds := map[string]string{}     // id → name
	for _, p := range []struct {
		name, url string
		creds     []string
		options   map[string]string
	}{
		{"primary", primary.URL, []string{"k1", "k2"}, map[string]string{
			"breaker_min_requests": "4", "breaker_failure_percent": "50", "breaker_open_seconds": "60",
			"credential_failures": "2", "timeout_seconds": "1"}},
		{"backup", backup.URL, []string{"b1"}, nil},
	} {
		var cs []map[string]any
		for _, c := range p.creds {
			cs = append(cs, map[string]any{"name": c, "secret": "sk-test-" + c})
		}
		var created struct {
			ID          string
			Credentials []struct{ ID, Name string }
		}
		is.Equal(call(t, "POST", base+"/admin/providers", adminKey, map[string]any{"name": p.name, "type": "openai",
			"base_url": p.url, "models": []string{"gpt-*"}, "options": p.options, "credentials": cs}, &created), http.StatusCreated)
		providers[created.ID] = p.name
		for _, c := range created.Credentials {
			creds[c.ID] = c.Name
		}
	}
	for i, name := range []string{"primary", "backup"} {
		is.Equal(call(t, "POST", base+"/admin/bindings", adminKey, map[string]any{"namespace": "default", "model": "gpt-4o",
			"provider_id": name, "priority": i + 1}, nil), http.StatusCreated)
	}
	key := clientKey(t, base)
	for range 2 {
		is.True(within(2*time.Second, func() bool { return chatStatus(t, base, key, "gpt-4o") == http.StatusOK }))
	}

	if tc.fault == nil {
		primary.Close()
	} else {
		primary.Inject(max(tc.times, 1), *tc.fault)
	}
	status, body, id := faultRequest(t, base, key, tc.stream)
	is.Equal(status, tc.status) // what the client saw
	if tc.clientSays != "" {
		is.True(strings.Contains(body, tc.clientSays))
	}
	if tc.stream {
		events := strings.Split(strings.TrimSpace(body), "\n\n")
		last := events[len(events)-1]
		if tc.streamEnd == "[DONE]" {
			is.Equal(last, "data: [DONE]")
		} else {
			is.True(strings.Contains(last, `"code":"`+tc.streamEnd+`"`)) // a well-formed error event ends it
			is.True(len(events) > 1)                                     // after the chunks that came
		}
	}

	attempts, first := attemptsOf(t, base, id, providers, creds)
	is.Equal(attempts, tc.attempts) // the chain of attempts, from the request's record
	second := map[string]string{"k1": "k2", "k2": "k1"}[first]
	state := func(name string) string {
		var list struct {
			Data []struct{ Name, Status string }
		}
		is.Equal(call(t, "GET", base+"/admin/providers/primary/credentials", adminKey, nil, &list), http.StatusOK)
		for _, c := range list.Data {
			if c.Name == name {
				return c.Status
			}
		}
		return "missing"
	}
	is.True(within(2*time.Second, func() bool { return state(first) == tc.first && state(second) == tc.second })) // written off the request path
	var br struct{ State string }
	is.True(within(2*time.Second, func() bool {
		is.Equal(call(t, "GET", base+"/admin/circuit-breakers/primary", adminKey, nil, &br), http.StatusOK)
		return br.State == tc.breaker
	}))
}

// faultRequest sends one chat completion, streamed or not, and returns
// the status, the whole body and the request's id.
func faultRequest(t *testing.T, base, key string, stream bool) (int, string, string) {
	t.Helper()
	body := fmt.Sprintf(`{"model":"gpt-4o","stream":%t,"messages":[{"role":"user","content":"one two three four five six"}]}`, stream)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err) // never a hang: the context would say so
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	return resp.StatusCode, string(b), resp.Header.Get("X-Request-Id")
}

// attemptsOf returns the attempts of request id's record as
// "provider/role:outcome ..." (role "first" or "second" for the primary's
// credentials, in the order tried; the backup's by name), and the name
// of the primary credential tried first.
func attemptsOf(t *testing.T, base, id string, providers, creds map[string]string) (string, string) {
	t.Helper()
	type attempt struct {
		ProviderID   string `json:"provider_id"`
		CredentialID string `json:"credential_id"`
		Code         string `json:"code"`
		Status       int    `json:"status"`
	}
	var found []attempt
	within(5*time.Second, func() bool {
		var logs struct {
			Data []struct {
				ID       string    `json:"id"`
				Attempts []attempt `json:"attempts"`
			} `json:"data"`
		}
		if call(t, "GET", base+"/admin/logs?limit=20", adminKey, nil, &logs) != http.StatusOK {
			return false
		}
		for _, r := range logs.Data {
			if r.ID == id {
				found = r.Attempts
				return true
			}
		}
		return false
	})
	var out []string
	first := ""
	for _, a := range found {
		outcome := "ok"
		switch {
		case a.Status != 0:
			outcome = fmt.Sprint(a.Status)
		case a.Code != "":
			outcome = a.Code
		}
		who := creds[a.CredentialID]
		if providers[a.ProviderID] == "primary" {
			if first == "" {
				first = who
			}
			who = map[bool]string{true: "first", false: "second"}[who == first]
		}
		out = append(out, providers[a.ProviderID]+"/"+who+":"+outcome)
	}
	return strings.Join(out, " "), first
}
