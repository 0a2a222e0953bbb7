// Package anthropictest provides an in-process HTTP server that speaks
// Anthropic's Messages API wire format (POST /v1/messages, whole and
// streamed, POST /v1/messages/count_tokens, GET /v1/models), for testing
// the Anthropic provider adapter and for end-to-end tests driven by
// anthropic-sdk-go.
//
// Replies are deterministic: a message echoes the last user text ("Echo:
// <text>", "Tool said: <result>" after a tool result, or a fixed text set
// with SetReply); tools are used when offered and asked for (see
// ToolTrigger); token counts follow a word-count formula (see
// CountTokens). Requests are checked the way the API checks them, and
// errors have the API's exact bodies, headers and statuses.
package anthropictest

import (
	"crypto/rand"
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

	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

const (
	defaultChunks = 5
	maxBodyBytes  = 32 << 20 // the API's limit for POST /v1/messages

	limitRequests = 4000
	limitTokens   = 2000000
)

// Server is an Anthropic-compatible HTTP server on a loopback port. It is
// safe for concurrent use; its setters apply to requests that start after
// them.
type Server struct {
	// URL is the base URL without "/v1", e.g. "http://127.0.0.1:PORT", as
	// anthropic-sdk-go's option.WithBaseURL expects it.
	URL string

	ts        *httptest.Server
	keys      map[string]bool
	done      chan struct{}
	closeOnce sync.Once
	seq       atomic.Int64

	mu            sync.Mutex
	record        bool
	requests      []Request
	failN         int
	failStatus    int
	failStreamN   int
	cutAfter      int
	chunks        int
	delay         time.Duration
	reply         string
	replySet      bool
	cacheRead     int
	cacheCreation int
}

// Request is one HTTP request as received by the Server.
type Request struct {
	Method string
	// Path is the URL path, e.g. "/v1/messages"; Query the raw query.
	Path  string
	Query string
	// Header is a copy of the request headers.
	Header http.Header
	// Body is the raw request body as received.
	Body []byte
}

// New starts a server; it is closed by t.Cleanup. keys are the API keys it
// accepts, in x-api-key or as a bearer token (Authorization: Bearer, as
// OAuth tokens are sent); with no keys any non-empty key is accepted.
func New(t testing.TB, keys ...string) *Server {
	t.Helper()
	s := &Server{keys: make(map[string]bool, len(keys)), done: make(chan struct{}), record: true, chunks: defaultChunks}
	for _, k := range keys {
		s.keys[k] = true
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.ts.URL
	t.Cleanup(s.Close)
	return s
}

// Close aborts in-flight streams and shuts the server down. It is safe to
// call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.ts.CloseClientConnections()
		s.ts.Close()
	})
}

// Requests returns every request received so far (copies), in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Header = r.Header.Clone()
		r.Body = append([]byte(nil), r.Body...)
		out[i] = r
	}
	return out
}

// SetRecord turns request recording on or off (default on); benchmarks
// turn it off so that memory does not grow.
func (s *Server) SetRecord(on bool) {
	s.mu.Lock()
	s.record = on
	s.mu.Unlock()
}

// Fail makes the next n requests (to any endpoint) answer with status and
// the API's error body for it (see errorFor): 429 comes with retry-after
// and exhausted rate-limit headers, 529 is overloaded_error. Failures are
// consumed before routing and authentication. Fail(0, 0) cancels them.
func (s *Server) Fail(n, status int) {
	s.mu.Lock()
	s.failN, s.failStatus = n, status
	s.mu.Unlock()
}

// FailInStream makes the next n streamed messages send an error event
// (overloaded_error) after their first content delta and end there, as
// the API does when it fails mid-stream.
func (s *Server) FailInStream(n int) {
	s.mu.Lock()
	s.failStreamN = n
	s.mu.Unlock()
}

// CutAfter makes every later streamed message drop its connection after n
// events, without ending the HTTP response properly; 0 turns it off.
func (s *Server) CutAfter(n int) {
	s.mu.Lock()
	s.cutAfter = n
	s.mu.Unlock()
}

// SetChunks sets the number of deltas a streamed text or tool input is
// split into (default 5); below 1 means 1.
func (s *Server) SetChunks(n int) {
	s.mu.Lock()
	s.chunks = max(n, 1)
	s.mu.Unlock()
}

// SetChunkDelay sets the pause before each streamed event (default 0).
func (s *Server) SetChunkDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// SetReply fixes the reply text of later messages, replacing the echo. It
// does not stop tool use.
func (s *Server) SetReply(text string) {
	s.mu.Lock()
	s.reply, s.replySet = text, true
	s.mu.Unlock()
}

// SetUsage sets the cache_read_input_tokens and cache_creation_input_tokens
// that later messages report (default 0), on top of their input_tokens.
func (s *Server) SetUsage(cacheRead, cacheCreation int) {
	s.mu.Lock()
	s.cacheRead, s.cacheCreation = cacheRead, cacheCreation
	s.mu.Unlock()
}

// settings is a snapshot of the scripting options for one request.
type settings struct {
	chunks, cutAfter         int
	delay                    time.Duration
	reply                    string
	replySet, failStream     bool
	cacheRead, cacheCreation int
}

// call is the state of one request being served.
type call struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	body []byte
	id   string // the request-id header
	opts settings
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	seq := s.seq.Add(1)
	c := &call{s: s, w: w, r: r, body: body, id: "req_011C" + randomID(20)}

	s.mu.Lock()
	if s.record {
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: append([]byte(nil), body...)})
	}
	failStatus := 0
	if s.failN > 0 {
		s.failN--
		failStatus = s.failStatus
	}
	c.opts = settings{chunks: s.chunks, cutAfter: s.cutAfter, delay: s.delay, reply: s.reply, replySet: s.replySet,
		cacheRead: s.cacheRead, cacheCreation: s.cacheCreation}
	s.mu.Unlock()

	c.setCommonHeaders(seq)
	if failStatus != 0 {
		c.fail(failStatus)
		return
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.writeError(http.StatusRequestEntityTooLarge, "Request exceeds the maximum allowed number of bytes.")
			return
		}
		c.writeError(http.StatusBadRequest, "Could not read the request body.")
		return
	}
	handler, allow := route(r.URL.Path)
	switch {
	case handler == nil:
		c.writeError(http.StatusNotFound, "Not Found")
		return
	case r.Method != allow:
		c.writeError(http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	if !c.authorize() {
		return
	}
	if r.Header.Get("anthropic-version") == "" {
		c.writeError(http.StatusBadRequest, "anthropic-version: header is required")
		return
	}
	handler(c)
}

// takeStreamFailure consumes one FailInStream failure.
func (s *Server) takeStreamFailure() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failStreamN > 0 {
		s.failStreamN--
		return true
	}
	return false
}

// route maps a path to its handler and the one method it accepts.
func route(path string) (func(*call), string) {
	switch path {
	case "/v1/messages":
		return (*call).messages, http.MethodPost
	case "/v1/messages/count_tokens":
		return (*call).countTokens, http.MethodPost
	case "/v1/models":
		return (*call).listModels, http.MethodGet
	}
	if id, ok := strings.CutPrefix(path, "/v1/models/"); ok && id != "" && !strings.Contains(id, "/") {
		return (*call).getModel, http.MethodGet
	}
	return nil, ""
}

// authorize checks x-api-key, or a bearer token, and writes a 401 if
// neither is accepted.
func (c *call) authorize() bool {
	key := c.r.Header.Get("x-api-key")
	if key == "" {
		if scheme, token, ok := strings.Cut(c.r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			key = strings.TrimSpace(token)
		}
	}
	switch {
	case key == "":
		c.writeError(http.StatusUnauthorized, "x-api-key header is required")
		return false
	case len(c.s.keys) > 0 && !c.s.keys[key]:
		c.writeError(http.StatusUnauthorized, "invalid x-api-key")
		return false
	}
	return true
}

// setCommonHeaders sets the headers the API sends on every response.
func (c *call) setCommonHeaders(seq int64) {
	h := c.w.Header()
	h.Set("request-id", c.id)
	h.Set("anthropic-organization-id", "6b1e2a64-0000-4000-8000-000000000001")
	used := int((seq - 1) % limitRequests)
	tokens := min(len(c.body)/4+1, limitTokens)
	reset := time.Now().UTC().Add(time.Minute).Truncate(time.Second).Format(time.RFC3339)
	set := func(kind string, limit, remaining int) {
		h.Set("anthropic-ratelimit-"+kind+"-limit", strconv.Itoa(limit))
		h.Set("anthropic-ratelimit-"+kind+"-remaining", strconv.Itoa(remaining))
		h.Set("anthropic-ratelimit-"+kind+"-reset", reset)
	}
	set("requests", limitRequests, limitRequests-1-used)
	set("tokens", limitTokens, limitTokens-tokens)
	set("input-tokens", limitTokens, limitTokens-tokens)
	set("output-tokens", limitTokens/5, limitTokens/5)
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

// randomID returns n random alphanumeric characters, as in the API's ids.
func randomID(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// newError is the error body for status, with this request's id.
func (c *call) newError(status int, msg string) anthropicwire.ErrorResponse {
	e := anthropicwire.NewError(status, msg)
	e.RequestID = c.id
	return e
}
