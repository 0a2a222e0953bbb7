// Package geminitest provides an in-process HTTP server that speaks
// Google's Gemini wire format in both of the styles Google serves it: the
// Gemini API (AI Studio, under /v1beta, keys in x-goog-api-key or ?key=)
// and Vertex AI (under /v1/projects/{p}/locations/{l}/publishers/google/
// models, OAuth access tokens as Bearer). It serves generateContent,
// streamGenerateContent (server-sent events with alt=sse, a streamed JSON
// array without), countTokens, embedContent, batchEmbedContents (Gemini
// API), predict (Vertex AI embeddings) and the model lists, for testing
// the Gemini provider adapter and for end-to-end tests driven by
// google.golang.org/genai.
//
// Replies are deterministic: a model turn echoes the last user text
// ("Echo: <text>", "Tool said: <response>" after function responses, or a
// fixed text set with SetReply); when functions are declared and the
// calling mode allows, the model calls every allowed function at once
// (parallel calls); embeddings come from internal/fakevec; token counts
// follow a word-count formula (see CountTokens). Requests are decoded and
// checked the way the API checks them (unknown fields, roles, parts,
// images, function declarations), and errors have the API's bodies and
// statuses.
package geminitest

import (
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	defaultChunks = 5
	maxBodyBytes  = 20 << 20 // the API's limit for inline request data
)

// Server is a Gemini-compatible HTTP server on a loopback port. It is safe
// for concurrent use; its setters apply to requests that start after them.
type Server struct {
	// URL is the server's root, e.g. "http://127.0.0.1:PORT", as
	// google.golang.org/genai's HTTPOptions.BaseURL expects it. The Gemini
	// API's base URL is URL+"/v1beta" (APIBase), Vertex AI's URL+"/v1"
	// (VertexBase).
	URL string

	ts        *httptest.Server
	keys      map[string]bool
	done      chan struct{}
	closeOnce sync.Once

	mu          sync.Mutex
	record      bool
	requests    []Request
	failN       int
	failStatus  int
	failStreamN int
	cutAfter    int
	chunks      int
	delay       time.Duration
	reply       string
	replySet    bool
	cached      int
	thoughts    int
	blockReply  string
	blockPrompt string
	callIDs     bool
	pageSize    int
}

// Request is one HTTP request as received by the Server.
type Request struct {
	Method string
	// Path is the URL path, e.g. "/v1beta/models/gemini-2.5-flash:generateContent";
	// Query the raw query, e.g. "alt=sse".
	Path  string
	Query string
	// Header is a copy of the request headers.
	Header http.Header
	// Body is the raw request body as received.
	Body []byte
}

// New starts a server; it is closed by t.Cleanup. keys are the credentials
// it accepts: API keys on the Gemini API paths (x-goog-api-key, ?key= or
// a bearer token), access tokens on the Vertex AI paths (Authorization:
// Bearer). With no keys any non-empty credential is accepted.
func New(t testing.TB, keys ...string) *Server {
	t.Helper()
	s := &Server{keys: make(map[string]bool, len(keys)), done: make(chan struct{}), record: true,
		chunks: defaultChunks, pageSize: defaultPageSize}
	for _, k := range keys {
		s.keys[k] = true
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.ts.URL
	t.Cleanup(s.Close)
	return s
}

// APIBase is the Gemini API's base URL on this server: URL+"/v1beta".
func (s *Server) APIBase() string { return s.URL + "/v1beta" }

// VertexBase is Vertex AI's base URL on this server: URL+"/v1".
func (s *Server) VertexBase() string { return s.URL + "/v1" }

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

// settings is a snapshot of the scripting options for one request.
type settings struct {
	chunks, cutAfter        int
	delay                   time.Duration
	reply                   string
	replySet, callIDs       bool
	cached, thoughts        int
	blockReply, blockPrompt string
	pageSize                int
}

// call is the state of one request being served.
type call struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	body []byte
	opts settings

	// From the path.
	version           string // v1, v1beta or v1beta1
	vertex            bool
	project, location string
	model             string // without "models/"
	method            string // generateContent, ..., or "" for the model endpoints
	sse               bool   // alt=sse
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	c := &call{s: s, w: w, r: r, body: body, sse: r.URL.Query().Get("alt") == "sse"}

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
		callIDs: s.callIDs, cached: s.cached, thoughts: s.thoughts, blockReply: s.blockReply,
		blockPrompt: s.blockPrompt, pageSize: s.pageSize}
	s.mu.Unlock()

	c.setCommonHeaders()
	handler, allow := c.route()
	if failStatus != 0 {
		c.writeError(c.failure(failStatus))
		return
	}
	if handler == nil {
		c.writeNotFoundPage()
		return
	}
	if r.Method != allow {
		c.writeError(newError(http.StatusNotFound, methodNotFoundMessage))
		return
	}
	if !c.authorize() {
		return
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.writeError(invalidArgument("Request payload size exceeds the limit: 20971520 bytes."))
			return
		}
		c.writeError(badJSON("Unexpected end of request body."))
		return
	}
	handler(c)
}

// route reads the path (setting the call's version, style, model and
// method) and returns its handler and the one HTTP method it accepts; nil
// for a path no API serves.
func (c *call) route() (func(*call), string) {
	version, rest, _ := strings.Cut(strings.TrimPrefix(c.r.URL.Path, "/"), "/")
	c.version = version
	switch {
	case (version == "v1beta" || version == "v1") && rest == "models":
		return (*call).listModels, http.MethodGet
	case (version == "v1beta1" || version == "v1") && rest == "publishers/google/models":
		c.vertex = true
		return (*call).listPublisherModels, http.MethodGet
	case (version == "v1beta" || version == "v1") && strings.HasPrefix(rest, "models/"):
		return c.modelRoute(strings.TrimPrefix(rest, "models/"))
	case (version == "v1" || version == "v1beta1") && strings.HasPrefix(rest, "projects/"):
		// projects/{p}/locations/{l}/publishers/google/models/{m}:{method}
		seg := strings.SplitN(rest, "/", 8)
		if len(seg) != 8 || seg[2] != "locations" || seg[4] != "publishers" || seg[5] != "google" || seg[6] != "models" ||
			seg[1] == "" || seg[3] == "" {
			return nil, ""
		}
		c.vertex, c.project, c.location = true, seg[1], seg[3]
		return c.modelRoute(seg[7])
	}
	return nil, ""
}

// modelRoute routes "{model}" and "{model}:{method}".
func (c *call) modelRoute(rest string) (func(*call), string) {
	model, method, hasMethod := strings.Cut(rest, ":")
	if model == "" || strings.Contains(model, "/") {
		return nil, ""
	}
	c.model, c.method = model, method
	if !hasMethod {
		if c.vertex {
			return nil, ""
		}
		return (*call).getModel, http.MethodGet
	}
	switch method {
	case "generateContent", "streamGenerateContent":
		return (*call).generate, http.MethodPost
	case "countTokens":
		return (*call).countTokens, http.MethodPost
	case "embedContent":
		return (*call).embedContent, http.MethodPost
	case "batchEmbedContents":
		if !c.vertex {
			return (*call).batchEmbedContents, http.MethodPost
		}
	case "predict":
		if c.vertex {
			return (*call).predict, http.MethodPost
		}
	}
	return (*call).methodNotFound, http.MethodPost
}

// methodNotFound answers a method the API does not have.
func (c *call) methodNotFound() { c.writeError(newError(http.StatusNotFound, methodNotFoundMessage)) }

// setCommonHeaders sets the headers Google's front end sends on every
// response.
func (c *call) setCommonHeaders() {
	h := c.w.Header()
	h.Set("Server", "scaffolding on HTTPServer2")
	h.Set("X-Xss-Protection", "0")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Origin")
	h.Add("Vary", "X-Origin")
	h.Add("Vary", "Referer")
	h.Set("Server-Timing", "gfet4t7; dur=1")
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

// randomID returns n random characters of the API's id alphabet.
func randomID(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// writeJSON writes v with status 200, pretty-printed as the API does.
func (c *call) writeJSON(v any) {
	data, err := marshalIndent(v)
	if err != nil {
		c.writeError(newError(http.StatusInternalServerError, internalMessage))
		return
	}
	h := c.w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(data)+1))
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(append(data, '\n'))
}
