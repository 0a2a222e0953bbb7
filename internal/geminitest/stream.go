package geminitest

import (
	"net/http"
)

// events splits p into the chunks of a streamed reply: for each candidate
// its thought, its text in SetChunks pieces, then its function calls (each
// whole, all in one chunk), the last with the finish reason. Each chunk
// holds the pieces of every candidate at that position and the usage so
// far (the prompt, and the candidates' tokens sent until then); the last
// has the whole usage. A blocked prompt is one chunk.
func (p *plan) events(chunks int) []generateResponse {
	if p.blockPrompt != "" {
		return []generateResponse{p.response()}
	}
	per := make([][]candidate, len(p.candidates))
	tokens := make([][]int, len(p.candidates)) // candidate tokens sent after each piece
	n := 0
	for i, cp := range p.candidates {
		var evs []candidate
		var toks []int
		sent := ""
		model := func(parts ...part) *content { return &content{Role: "model", Parts: parts} }
		if p.thought != "" && cp.ratings == nil {
			evs, toks = append(evs, candidate{Content: model(part{Text: p.thought, Thought: true}), Index: i}), append(toks, 0)
		}
		for _, s := range split(cp.text, chunks) {
			sent += s
			evs, toks = append(evs, candidate{Content: model(part{Text: s}), Index: i}), append(toks, CountTokens(sent))
		}
		if len(cp.calls) > 0 {
			var parts []part
			for j := range cp.calls {
				parts = append(parts, part{FunctionCall: &cp.calls[j]})
			}
			evs, toks = append(evs, candidate{Content: model(parts...), Index: i}), append(toks, 10*len(cp.calls))
		}
		if len(evs) == 0 || cp.ratings != nil {
			evs, toks = append(evs, candidate{Index: i}), append(toks, CountTokens(sent))
		}
		last := &evs[len(evs)-1]
		last.FinishReason, last.SafetyRatings = cp.finish, cp.ratings
		per[i], tokens[i] = evs, toks
		n = max(n, len(evs))
	}
	out := make([]generateResponse, n)
	for k := range out {
		ev := generateResponse{ModelVersion: p.model, CreateTime: p.createTime, ResponseID: p.id}
		usage := p.usage
		usage.CandidatesTokenCount = 0
		for i := range per {
			if k < len(per[i]) {
				ev.Candidates = append(ev.Candidates, per[i][k])
			}
			usage.CandidatesTokenCount += tokens[i][min(k, len(tokens[i])-1)]
		}
		usage.TotalTokenCount = usage.PromptTokenCount + usage.CandidatesTokenCount + usage.ThoughtsTokenCount
		if k == n-1 {
			usage = p.usage
		}
		ev.UsageMetadata = &usage
		out[k] = ev
	}
	return out
}

// streamer writes the chunks of one streamed reply.
type streamer struct {
	c    *call
	rc   *http.ResponseController
	sent int
}

// send writes one piece of the body after the configured delay and
// flushes it, and reports whether the stream goes on. After CutAfter's
// count of chunks it drops the connection instead.
func (st *streamer) send(data []byte, chunk bool) bool {
	if cut := st.c.opts.cutAfter; chunk && cut > 0 && st.sent >= cut {
		panic(http.ErrAbortHandler) // closes the connection mid-response
	}
	if chunk && !st.c.wait(st.c.opts.delay) {
		return false
	}
	if _, err := st.c.w.Write(data); err != nil {
		return false
	}
	_ = st.rc.Flush()
	if chunk {
		st.sent++
	}
	return true
}

// streamEvents writes p as server-sent events, as the API answers
// alt=sse: each chunk one "data: <json>" event ended by "\r\n\r\n", the
// JSON on one line; the stream just ends after the last chunk, with no
// end marker. FailInStream ends it after the first chunk with an event
// holding an error object.
func (c *call) streamEvents(p *plan) {
	h := c.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Content-Disposition", "attachment")
	c.w.WriteHeader(http.StatusOK)
	st := &streamer{c: c, rc: http.NewResponseController(c.w)}
	fail := c.s.takeStreamFailure()
	for _, ev := range p.events(c.opts.chunks) {
		data, err := marshalEvent(ev)
		if err != nil || !st.send(event(data), true) {
			return
		}
		if fail {
			data, _ := marshalEvent(errorBody{Error: newError(http.StatusInternalServerError, internalMessage)})
			st.send(event(data), false)
			return
		}
	}
}

// event frames data as the API does.
func event(data []byte) []byte {
	out := make([]byte, 0, len(data)+10)
	out = append(out, "data: "...)
	out = append(out, data...)
	return append(out, "\r\n\r\n"...)
}

// streamArray writes p as the API answers streamGenerateContent without
// alt=sse: one JSON array, streamed, whose elements are the chunks
// pretty-printed and separated by ",\r\n". FailInStream puts an error
// object in the array after the first chunk.
func (c *call) streamArray(p *plan) {
	h := c.w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	c.w.WriteHeader(http.StatusOK)
	st := &streamer{c: c, rc: http.NewResponseController(c.w)}
	fail := c.s.takeStreamFailure()
	sep := []byte("[")
	for _, ev := range p.events(c.opts.chunks) {
		data, err := marshalIndent(ev)
		if err != nil || !st.send(append(sep, data...), true) {
			return
		}
		sep = []byte("\n,\r\n")
		if fail {
			data, _ := marshalIndent(errorBody{Error: newError(http.StatusInternalServerError, internalMessage)})
			if !st.send(append(sep, data...), false) {
				return
			}
			break
		}
	}
	st.send([]byte("]"), false)
}
