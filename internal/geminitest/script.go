package geminitest

import (
	"time"
)

// SetRecord turns request recording on or off (default on); benchmarks
// turn it off so that memory does not grow.
func (s *Server) SetRecord(on bool) {
	s.mu.Lock()
	s.record = on
	s.mu.Unlock()
}

// Fail makes the next n requests (to any endpoint) answer with status and
// the API's error body for it: 400 is the Gemini API's API_KEY_INVALID
// (Vertex AI: a bare INVALID_ARGUMENT), 401 UNAUTHENTICATED, 403
// PERMISSION_DENIED, 404 the model's NOT_FOUND, 429 RESOURCE_EXHAUSTED with
// QuotaFailure, Help and RetryInfo (RetryDelay) details on the Gemini API,
// 500 INTERNAL, 503 UNAVAILABLE (overloaded), 504 DEADLINE_EXCEEDED.
// Failures are consumed before authentication. Fail(0, 0) cancels them.
func (s *Server) Fail(n, status int) {
	s.mu.Lock()
	s.failN, s.failStatus = n, status
	s.mu.Unlock()
}

// FailInStream makes the next n streamed replies send an error event (500
// INTERNAL) after their first chunk and end there, as the API does when it
// fails mid-stream.
func (s *Server) FailInStream(n int) {
	s.mu.Lock()
	s.failStreamN = n
	s.mu.Unlock()
}

// CutAfter makes every later streamed reply drop its connection after n
// chunks, without ending the HTTP response properly; 0 turns it off.
func (s *Server) CutAfter(n int) {
	s.mu.Lock()
	s.cutAfter = n
	s.mu.Unlock()
}

// SetChunks sets the number of chunks a streamed text is split into
// (default 5); below 1 means 1.
func (s *Server) SetChunks(n int) {
	s.mu.Lock()
	s.chunks = max(n, 1)
	s.mu.Unlock()
}

// SetChunkDelay sets the pause before each streamed chunk (default 0).
func (s *Server) SetChunkDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// SetReply fixes the reply text of later turns, replacing the echo. It
// does not stop function calls.
func (s *Server) SetReply(text string) {
	s.mu.Lock()
	s.reply, s.replySet = text, true
	s.mu.Unlock()
}

// SetUsage sets the cachedContentTokenCount (at most the prompt's tokens)
// and thoughtsTokenCount that later replies report (default 0). With
// thoughts above 0 and thinkingConfig.includeThoughts set, a reply starts
// with a thought part.
func (s *Server) SetUsage(cached, thoughts int) {
	s.mu.Lock()
	s.cached, s.thoughts = max(cached, 0), max(thoughts, 0)
	s.mu.Unlock()
}

// BlockReply makes later replies stop for a safety reason ("SAFETY",
// "RECITATION", "PROHIBITED_CONTENT", ...): a candidate with that
// finishReason, safetyRatings and no content. "" turns it off.
func (s *Server) BlockReply(reason string) {
	s.mu.Lock()
	s.blockReply = reason
	s.mu.Unlock()
}

// BlockPrompt makes later requests refused as the API refuses a prompt:
// no candidates, and promptFeedback with the blockReason ("SAFETY",
// "OTHER", "BLOCKLIST", ...) and safetyRatings. "" turns it off.
func (s *Server) BlockPrompt(reason string) {
	s.mu.Lock()
	s.blockPrompt = reason
	s.mu.Unlock()
}

// SetCallIDs makes later function calls carry an id ("fc_..."), as newer
// models do; by default they have none.
func (s *Server) SetCallIDs(on bool) {
	s.mu.Lock()
	s.callIDs = on
	s.mu.Unlock()
}

// SetModelsPageSize caps the models a page of a model list holds, whatever
// pageSize the request asks for, to exercise pagination. By default a page
// holds pageSize models (50 when the request names none), at most 1000,
// as the API's do.
func (s *Server) SetModelsPageSize(n int) {
	s.mu.Lock()
	s.pageSize = max(n, 1)
	s.mu.Unlock()
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
