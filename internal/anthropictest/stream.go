package anthropictest

import (
	"encoding/json"
	"net/http"

	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
	"github.com/tollgate-ai/tollgate/internal/sse"
)

// stream writes p as the API streams a message: message_start (usage with
// the input tokens and output_tokens 1), then for each block
// content_block_start (a ping after the first), its deltas and
// content_block_stop, then message_delta (stop reason and cumulative
// usage) and message_stop.
func (c *call) stream(p plan) {
	h := c.w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	c.w.WriteHeader(http.StatusOK)
	st := &streamer{c: c, w: sse.NewWriter(c.w), failAfterDelta: c.s.takeStreamFailure()}

	start := p.usage
	start.OutputTokens = 1
	if !st.send(&anthropicwire.Event{Type: anthropicwire.EventMessageStart, Message: &anthropicwire.Response{
		ID: p.id, Type: "message", Role: anthropicwire.RoleAssistant, Model: p.model, Content: []anthropicwire.ContentBlock{},
		Usage: start}}) {
		return
	}
	for i, b := range p.blocks {
		if !st.send(&anthropicwire.Event{Type: anthropicwire.EventContentBlockStart, Index: i, ContentBlock: emptyBlock(b)}) {
			return
		}
		if i == 0 && !st.send(&anthropicwire.Event{Type: anthropicwire.EventPing}) {
			return
		}
		for _, d := range c.deltas(b) {
			if !st.send(&anthropicwire.Event{Type: anthropicwire.EventContentBlockDelta, Index: i, Delta: d}) {
				return
			}
			if st.failAfterDelta {
				st.send(&anthropicwire.Event{Type: anthropicwire.EventError,
					Error: &anthropicwire.ErrorDetail{Type: anthropicwire.ErrOverloaded, Message: overloadedMessage}})
				return
			}
		}
		if !st.send(&anthropicwire.Event{Type: anthropicwire.EventContentBlockStop, Index: i}) {
			return
		}
	}
	in, cw, cr := p.usage.InputTokens, p.usage.CacheCreationInputTokens, p.usage.CacheReadInputTokens
	if !st.send(&anthropicwire.Event{Type: anthropicwire.EventMessageDelta,
		Delta: &anthropicwire.Delta{StopReason: p.stop, StopSequence: anthropicwire.NullString(p.stopSeq)},
		Usage: &anthropicwire.DeltaUsage{InputTokens: &in, CacheCreationInputTokens: &cw, CacheReadInputTokens: &cr,
			OutputTokens: p.usage.OutputTokens}}) {
		return
	}
	st.send(&anthropicwire.Event{Type: anthropicwire.EventMessageStop})
}

// streamer writes the events of one stream.
type streamer struct {
	c              *call
	w              *sse.Writer
	sent           int
	failAfterDelta bool
}

// send writes one event after the configured delay, and reports whether
// the stream goes on. After CutAfter's count of events it drops the
// connection.
func (st *streamer) send(ev *anthropicwire.Event) bool {
	if cut := st.c.opts.cutAfter; cut > 0 && st.sent >= cut {
		panic(http.ErrAbortHandler) // closes the connection mid-response
	}
	if !st.c.wait(st.c.opts.delay) {
		return false
	}
	data, err := marshal(ev)
	if err != nil {
		return false
	}
	if st.w.WriteEvent(ev.Type, data) != nil {
		return false
	}
	st.sent++
	return true
}

// emptyBlock is b as content_block_start announces it: with no text, no
// input and no thinking yet.
func emptyBlock(b anthropicwire.ContentBlock) *anthropicwire.ContentBlock {
	switch b.Type {
	case anthropicwire.BlockText:
		return &anthropicwire.ContentBlock{Type: b.Type}
	case anthropicwire.BlockToolUse:
		return &anthropicwire.ContentBlock{Type: b.Type, ID: b.ID, Name: b.Name, Input: json.RawMessage("{}")}
	case anthropicwire.BlockThinking:
		return &anthropicwire.ContentBlock{Type: b.Type}
	}
	return &b
}

// deltas splits a block's content into its stream deltas: text into
// SetChunks pieces; a tool input into an empty fragment and SetChunks
// pieces; thinking into pieces and then its signature.
func (c *call) deltas(b anthropicwire.ContentBlock) []*anthropicwire.Delta {
	var out []*anthropicwire.Delta
	switch b.Type {
	case anthropicwire.BlockText:
		for _, s := range split(b.Text, c.opts.chunks) {
			out = append(out, &anthropicwire.Delta{Type: anthropicwire.DeltaText, Text: s})
		}
	case anthropicwire.BlockToolUse:
		out = append(out, &anthropicwire.Delta{Type: anthropicwire.DeltaInputJSON})
		for _, s := range split(string(b.Input), c.opts.chunks) {
			out = append(out, &anthropicwire.Delta{Type: anthropicwire.DeltaInputJSON, PartialJSON: s})
		}
	case anthropicwire.BlockThinking:
		for _, s := range split(b.Thinking, c.opts.chunks) {
			out = append(out, &anthropicwire.Delta{Type: anthropicwire.DeltaThinking, Thinking: s})
		}
		out = append(out, &anthropicwire.Delta{Type: anthropicwire.DeltaSignature, Signature: b.Signature})
	}
	return out
}
