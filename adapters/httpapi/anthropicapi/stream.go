package anthropicapi

import (
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// Stream turns the chunks of a canonical streamed completion into
// Anthropic's stream events, in order: message_start on the first chunk;
// content blocks, each opened with content_block_start, fed with deltas
// and closed with content_block_stop before the next opens; then, from
// End, message_delta (stop reason and usage) and message_stop.
//
// Text (and a refusal, which is text to the client) goes to a text block;
// each new tool call closes the open block and opens a tool_use block
// whose argument fragments are input_json_delta events. Block indexes
// count from 0 in the order blocks open. Only choice 0 is read.
//
// A Stream belongs to one response and is not safe for concurrent use.
// Make one with NewStream; the zero Stream is not ready.
type Stream struct {
	model    string
	started  bool
	done     bool // End or Error was called
	next     int  // index of the next block
	open     int  // index of the open block, -1 for none
	openType string
	calls    map[int]*toolState // by the tool call index of the chunks
	last     *toolState         // the latest tool call, for fragments without an index
	finish   string
	tools    bool // a tool call was seen
	refused  bool // refusal text was seen
	usage    *gateway.Usage
}

// toolState is a tool call being streamed.
type toolState struct {
	block int    // its block's index
	id    string // the id the upstream gave it, if any
}

// NewStream returns a Stream for a response whose message names model;
// an empty model means the model the first chunk names.
func NewStream(model string) *Stream {
	return &Stream{model: model, open: -1, calls: make(map[int]*toolState)}
}

// Chunk returns the events one canonical chunk produces (maybe none):
// message_start first if it is the first chunk, then the block events of
// its delta. A finish reason and a usage are remembered for End. After
// End or Error it returns nothing.
//
// Argument fragments of a tool call whose block was already closed (an
// upstream that interleaves parallel calls) are still sent, at that
// block's index, so the client's accumulator loses nothing.
func (s *Stream) Chunk(c *gateway.ChatChunk) []anthropicwire.Event {
	if s.done || c == nil {
		return nil
	}
	var ev []anthropicwire.Event
	if c.Usage != nil {
		u := *c.Usage
		s.usage = &u
	}
	if !s.started {
		ev = s.start(ev, c.ID, c.Model)
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		if ch.Index != 0 {
			continue
		}
		ev = s.delta(ev, &ch.Delta)
		if ch.FinishReason != "" {
			s.finish = ch.FinishReason
		}
	}
	return ev
}

// End returns the closing events after the last chunk: message_start if
// no chunk came, content_block_stop for the open block, message_delta
// with the stop reason (see stopReason; end_turn without a finish
// reason), a null stop_sequence and the usage (every count, see
// anthropicUsage), and message_stop. It returns nothing when called
// again, or after Error.
func (s *Stream) End() []anthropicwire.Event {
	if s.done {
		return nil
	}
	var ev []anthropicwire.Event
	if !s.started {
		ev = s.start(ev, "", "")
	}
	ev = s.closeBlock(ev)
	s.done = true
	u := anthropicUsage(s.usage)
	return append(ev,
		anthropicwire.Event{
			Type:  anthropicwire.EventMessageDelta,
			Delta: &anthropicwire.Delta{StopReason: stopReason(s.finish, s.tools, s.refused)},
			Usage: &anthropicwire.DeltaUsage{
				OutputTokens:             u.OutputTokens,
				InputTokens:              &u.InputTokens,
				CacheReadInputTokens:     &u.CacheReadInputTokens,
				CacheCreationInputTokens: &u.CacheCreationInputTokens,
			},
		},
		anthropicwire.Event{Type: anthropicwire.EventMessageStop})
}

// start appends message_start: a message with no content, a null stop
// reason and the usage known so far.
func (s *Stream) start(ev []anthropicwire.Event, id, model string) []anthropicwire.Event {
	s.started = true
	if s.model != "" {
		model = s.model
	}
	return append(ev, anthropicwire.Event{Type: anthropicwire.EventMessageStart, Message: &anthropicwire.Response{
		ID:      messageID(id),
		Type:    "message",
		Role:    anthropicwire.RoleAssistant,
		Model:   model,
		Content: []anthropicwire.ContentBlock{},
		Usage:   anthropicUsage(s.usage),
	}})
}

// delta appends the events of one choice's delta.
func (s *Stream) delta(ev []anthropicwire.Event, d *gateway.Delta) []anthropicwire.Event {
	text := d.Content + d.Refusal
	if d.Refusal != "" {
		s.refused = true
	}
	if text != "" {
		if s.openType != anthropicwire.BlockText {
			ev = s.closeBlock(ev)
			ev = s.openBlock(ev, &anthropicwire.ContentBlock{Type: anthropicwire.BlockText})
		}
		ev = append(ev, anthropicwire.Event{Type: anthropicwire.EventContentBlockDelta, Index: s.open,
			Delta: &anthropicwire.Delta{Type: anthropicwire.DeltaText, Text: text}})
	}
	for i := range d.ToolCalls {
		ev = s.toolCall(ev, &d.ToolCalls[i])
	}
	return ev
}

// toolCall appends the events of one tool call fragment. A fragment
// belongs to the call with its index (or, without one, to the latest
// call), unless it brings an id other than that call's: then it starts a
// new call, as from hosts that give every parallel call index 0.
func (s *Stream) toolCall(ev []anthropicwire.Event, tc *gateway.ToolCall) []anthropicwire.Event {
	cur := s.last
	if tc.Index != nil {
		cur = s.calls[*tc.Index]
	}
	if cur != nil && tc.ID != "" && cur.id != "" && tc.ID != cur.id {
		cur = nil
	}
	if cur == nil {
		ev = s.closeBlock(ev)
		cur = &toolState{block: s.next, id: tc.ID}
		ev = s.openBlock(ev, &anthropicwire.ContentBlock{
			Type:  anthropicwire.BlockToolUse,
			ID:    toolUseID(tc.ID),
			Name:  tc.Function.Name,
			Input: emptyInput,
		})
		if tc.Index != nil {
			s.calls[*tc.Index] = cur
		}
		s.tools = true
	}
	s.last = cur
	if tc.Function.Arguments == "" {
		return ev
	}
	return append(ev, anthropicwire.Event{Type: anthropicwire.EventContentBlockDelta, Index: cur.block,
		Delta: &anthropicwire.Delta{Type: anthropicwire.DeltaInputJSON, PartialJSON: tc.Function.Arguments}})
}

// openBlock appends content_block_start for a new block at the next
// index and makes it the open one.
func (s *Stream) openBlock(ev []anthropicwire.Event, b *anthropicwire.ContentBlock) []anthropicwire.Event {
	s.open, s.openType = s.next, b.Type
	s.next++
	return append(ev, anthropicwire.Event{Type: anthropicwire.EventContentBlockStart, Index: s.open, ContentBlock: b})
}

// closeBlock appends content_block_stop for the open block, if any.
func (s *Stream) closeBlock(ev []anthropicwire.Event) []anthropicwire.Event {
	if s.open < 0 {
		return ev
	}
	ev = append(ev, anthropicwire.Event{Type: anthropicwire.EventContentBlockStop, Index: s.open})
	s.open, s.openType = -1, ""
	return ev
}
