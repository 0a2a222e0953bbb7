package openaitest

import (
	"net/http"
	"strconv"
	"time"
)

// Fault is a failure Inject scripts, beyond the error answers of Fail:
// the ways a network or an overloaded host fails a client.
type Fault struct {
	// Status answers with this status and OpenAI's error body for it
	// (as Fail does).
	Status int
	// NoRetryAfter leaves the retry-after headers out of a 429.
	NoRetryAfter bool
	// ResetMidBody starts a 200 JSON answer and drops the connection
	// halfway through its body.
	ResetMidBody bool
	// Hang answers nothing for this long, or until the client gives up.
	Hang time.Duration
	// CutAfter ends a streamed answer after this many chunks: the
	// connection drops, with no finish_reason and no [DONE].
	CutAfter int
}

// Inject makes the next n requests (to any endpoint) fail as f says;
// like Fail, a later call replaces an earlier one, and Inject(0, Fault{})
// cancels pending faults. A CutAfter fault applies to streamed chat
// completions; the other requests it is counted against are answered
// normally.
func (s *Server) Inject(n int, f Fault) {
	s.mu.Lock()
	s.failN, s.fault = n, f
	s.mu.Unlock()
}

// inject plays the fault f for the call; it reports whether it answered
// (or dropped) the request, leaving nothing else to do.
func (c *call) inject(f Fault) bool {
	switch {
	case f.Hang > 0:
		select {
		case <-time.After(f.Hang):
		case <-c.r.Context().Done():
		case <-c.s.done:
		}
		return true
	case f.ResetMidBody:
		body := `{"id":"chatcmpl-cut","object":"chat.completion","created":` + strconv.FormatInt(time.Now().Unix(), 10) + `,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hel`
		c.w.Header().Set("Content-Length", strconv.Itoa(len(body)*2)) // promises more than it sends
		c.writeHeader(http.StatusOK, "application/json")
		_, _ = c.w.Write([]byte(body))
		c.drop()
		return true
	case f.Status == http.StatusTooManyRequests && f.NoRetryAfter:
		c.writeError(http.StatusTooManyRequests, apiError{Message: rateLimitMessage, Type: "requests", Code: optional("rate_limit_exceeded")})
		return true
	case f.Status != 0:
		c.fail(f.Status)
		return true
	}
	return false // CutAfter: the stream plays it
}

// drop closes the call's connection at once, whatever was written.
func (c *call) drop() {
	rc := http.NewResponseController(c.w)
	_ = rc.Flush()
	if conn, _, err := rc.Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler) // HTTP/2: abort the stream
}
