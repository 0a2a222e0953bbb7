// Package openaitest provides an in-process HTTP server that speaks the OpenAI
// REST wire format (chat completions, embeddings, models), for testing OpenAI
// provider adapters and for end-to-end tests driven by the official SDKs.
// NewAzure starts one that speaks Azure OpenAI's dialect instead: deployment
// paths, api-version, the api-key header, Azure's errors and content filter.
//
// Replies are deterministic: chat completions echo the last user message (or
// a fixed text set with SetReply), tool calls are synthesised when tools are
// offered, embeddings are derived from a hash of the input, and token counts
// follow a simple word-count formula (see CountTokens).
package openaitest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	defaultChunks = 5
	maxBodyBytes  = 64 << 20

	limitRequests = 10000
	limitTokens   = 30000000
)

// Server is an OpenAI-compatible HTTP server on a loopback port.
type Server struct {
	// URL is the base URL including "/v1", e.g. "http://127.0.0.1:PORT/v1".
	URL string

	ts        *httptest.Server
	keys      map[string]bool
	done      chan struct{}
	closeOnce sync.Once
	seq       atomic.Int64

	mu       sync.Mutex
	record   bool
	requests []Request
	failN    int
	fault    Fault
	chunks   int
	delay    time.Duration
	reply    string
	replySet bool

	azure       bool              // speak Azure's dialect (NewAzure)
	deployments map[string]string // Azure deployment → model
	filter      string            // the word Azure's content filter stops
}

// Request is one HTTP request as received by the Server.
type Request struct {
	// Method is the HTTP method, e.g. "POST".
	Method string
	// Path is the URL path, e.g. "/v1/chat/completions".
	Path string
	// RawQuery is the URL's query without "?", e.g. "api-version=2024-10-21".
	RawQuery string
	// Header is a copy of the request headers.
	Header http.Header
	// Body is the raw request body as received.
	Body []byte
}

// New starts a server; it is closed by t.Cleanup. keys are the API keys it
// accepts (Authorization: Bearer <key>); with no keys any non-empty bearer
// token is accepted.
func New(t testing.TB, keys ...string) *Server {
	t.Helper()
	s := start(t, false, keys)
	s.URL = s.ts.URL + "/v1"
	return s
}

// start starts a server, in Azure's dialect if azure is set.
func start(t testing.TB, azure bool, keys []string) *Server {
	s := &Server{
		keys:   make(map[string]bool, len(keys)),
		done:   make(chan struct{}),
		record: true,
		chunks: defaultChunks,
		azure:  azure,
	}
	for _, k := range keys {
		s.keys[k] = true
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.Close)
	return s
}

// Close aborts in-flight streams and shuts the server down. It is safe to call
// more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.ts.CloseClientConnections() // unblock handlers writing to idle readers
		s.ts.Close()
	})
}

// Handler returns the server's handler, to serve its API in process
// behind a test's own server (paths under /v1, as at URL).
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Requests returns every request received so far (copies), in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = Request{
			Method:   r.Method,
			Path:     r.Path,
			RawQuery: r.RawQuery,
			Header:   r.Header.Clone(),
			Body:     append([]byte(nil), r.Body...),
		}
	}
	return out
}

// SetRecord turns request recording on or off (default on). Turning it off
// keeps already recorded requests; use it in benchmarks so that memory does
// not grow without bound.
func (s *Server) SetRecord(on bool) {
	s.mu.Lock()
	s.record = on
	s.mu.Unlock()
}

// Fail makes the next n requests (to any endpoint) answer with the given
// status and an OpenAI-shaped error body appropriate to that status. Failures
// are consumed before routing and authentication. A later call replaces an
// earlier one; Fail(0, 0) cancels pending failures.
func (s *Server) Fail(n int, status int) { s.Inject(n, Fault{Status: status}) }

// SetChunks sets the number of content chunks a streamed reply is split into
// (default 5). Values below 1 are treated as 1.
func (s *Server) SetChunks(n int) {
	s.mu.Lock()
	s.chunks = max(n, 1)
	s.mu.Unlock()
}

// SetChunkDelay sets the pause between streamed chunks (default 0).
func (s *Server) SetChunkDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// SetReply fixes the assistant's reply text for all later chat completions,
// replacing the default "Echo: <last user text>" (and "Tool said: ..." after a
// tool result). It does not suppress tool calls.
func (s *Server) SetReply(text string) {
	s.mu.Lock()
	s.reply, s.replySet = text, true
	s.mu.Unlock()
}

// settings is a snapshot of the scripting options for one request.
type settings struct {
	chunks   int
	delay    time.Duration
	reply    string
	replySet bool
	filter   string
}

func (s *Server) snapshot() settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return settings{chunks: s.chunks, delay: s.delay, reply: s.reply, replySet: s.replySet, filter: s.filter}
}

// call is the state of one request being served.
type call struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	body  []byte
	start time.Time
	opts  settings
	model string // the model an Azure deployment serves, "" elsewhere
	// cutAfter drops a stream after this many chunks (Fault.CutAfter).
	cutAfter int
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{s: s, w: w, r: r, start: time.Now(), opts: s.snapshot()}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	c.body = body
	seq := s.seq.Add(1)

	s.mu.Lock()
	if s.record {
		s.requests = append(s.requests, Request{
			Method:   r.Method,
			Path:     r.URL.Path,
			RawQuery: r.URL.RawQuery,
			Header:   r.Header.Clone(),
			Body:     append([]byte(nil), body...),
		})
	}
	var fault Fault
	if s.failN > 0 {
		s.failN--
		fault = s.fault
	}
	s.mu.Unlock()

	c.setCommonHeaders(seq)
	if c.inject(fault) {
		return
	}
	c.cutAfter = fault.CutAfter
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.writeError(http.StatusRequestEntityTooLarge, invalidRequest("Request body too large.", "", ""))
			return
		}
		c.writeError(http.StatusBadRequest, invalidRequest(parseErrorMessage, "", ""))
		return
	}
	if s.azure {
		c.serveAzure()
		return
	}

	handler, allow := route(r.URL.Path)
	switch {
	case handler == nil:
		c.writeError(http.StatusNotFound, unknownURL(r.Method, r.URL.Path))
		return
	case r.Method != allow:
		c.w.Header().Set("Allow", allow)
		c.writeError(http.StatusMethodNotAllowed, methodNotAllowed(r.Method, r.URL.Path))
		return
	}
	if !c.authorize() {
		return
	}
	handler(c)
}

// route maps a path to its handler and the one method it accepts.
func route(path string) (func(*call), string) {
	switch path {
	case "/v1/chat/completions":
		return (*call).chatCompletions, http.MethodPost
	case "/v1/embeddings":
		return (*call).embeddings, http.MethodPost
	case "/v1/models":
		return (*call).listModels, http.MethodGet
	}
	if id, ok := strings.CutPrefix(path, "/v1/models/"); ok && id != "" {
		return (*call).retrieveModel, http.MethodGet
	}
	return nil, ""
}

// authorize checks the bearer token and writes a 401 if it is not accepted.
func (c *call) authorize() bool {
	token, present := bearerToken(c.r)
	switch {
	case !present:
		c.writeError(http.StatusUnauthorized, missingKey())
		return false
	case len(c.s.keys) > 0 && !c.s.keys[token]:
		c.writeError(http.StatusUnauthorized, incorrectKey(token))
		return false
	}
	return true
}

// bearerToken extracts a non-empty bearer token from the Authorization header.
func bearerToken(r *http.Request) (string, bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// setCommonHeaders sets the headers OpenAI (or Azure) sends on every
// response.
func (c *call) setCommonHeaders(seq int64) {
	if c.s.azure {
		c.setAzureHeaders()
		return
	}
	h := c.w.Header()
	h.Set("x-request-id", "req_"+randomHex(16))
	h.Set("openai-version", "2020-10-01")
	h.Set("openai-organization", "org-test")
	h.Set("openai-project", "proj_test")
	used := int((seq - 1) % limitRequests)
	tokens := min(len(c.body)/4+1, limitTokens)
	h.Set("x-ratelimit-limit-requests", strconv.Itoa(limitRequests))
	h.Set("x-ratelimit-limit-tokens", strconv.Itoa(limitTokens))
	h.Set("x-ratelimit-remaining-requests", strconv.Itoa(limitRequests-1-used))
	h.Set("x-ratelimit-remaining-tokens", strconv.Itoa(limitTokens-tokens))
	// Limits replenish continuously: 10000 RPM is one request per 6ms and
	// 30M TPM is one token per 2µs.
	h.Set("x-ratelimit-reset-requests", (time.Duration(used+1) * 6 * time.Millisecond).String())
	h.Set("x-ratelimit-reset-tokens", (time.Duration(tokens) * 2 * time.Microsecond).Round(time.Millisecond).String())
}

// writeHeader sets the processing time header and writes the status line.
func (c *call) writeHeader(status int, contentType string) {
	h := c.w.Header()
	h.Set("Content-Type", contentType)
	if !c.s.azure {
		h.Set("openai-processing-ms", strconv.FormatInt(time.Since(c.start).Milliseconds(), 10))
	}
	c.w.WriteHeader(status)
}

// writeJSON writes v as a JSON response indented by two spaces, as OpenAI's
// non-streaming responses are.
func (c *call) writeJSON(status int, v any) { c.writeBody(status, v, "  ") }

// writeBody writes v as a JSON response with the given status and indent.
func (c *call) writeBody(status int, v any, indent string) {
	data, err := marshalIndent(v, indent)
	if err != nil {
		status = http.StatusInternalServerError
		data, _ = marshalIndent(errorBody{Error: serverError()}, indent)
	}
	c.w.Header().Set("Content-Length", strconv.Itoa(len(data)+1))
	c.writeHeader(status, "application/json")
	_, _ = c.w.Write(append(data, '\n'))
}

// alive reports whether neither the request nor the server has ended.
func (c *call) alive() bool {
	select {
	case <-c.r.Context().Done():
		return false
	case <-c.s.done:
		return false
	default:
		return true
	}
}

// wait pauses for d, returning false if the request or server ended first.
func (c *call) wait(d time.Duration) bool {
	if d <= 0 {
		return c.alive()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.r.Context().Done():
		return false
	case <-c.s.done:
		return false
	}
}

// randomHex returns 2n random lowercase hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomID returns n random alphanumeric characters, as in OpenAI object ids.
func randomID(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
