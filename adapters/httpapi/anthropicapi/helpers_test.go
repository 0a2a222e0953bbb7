package anthropicapi_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// sameJSON fails unless got and want hold the same JSON value.
func sameJSON(t testing.TB, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("invalid expected JSON %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("JSON differs\n got: %s\nwant: %s", got, want)
	}
}

// mustJSON encodes v.
func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode %T: %v", v, err)
	}
	return b
}

// decode decodes data into a new T.
func decode[T any](t testing.TB, data string) *T {
	t.Helper()
	v := new(T)
	if err := json.Unmarshal([]byte(data), v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return v
}

// asError returns err as a *gateway.Error, failing otherwise.
func asError(t testing.TB, err error) *gateway.Error {
	t.Helper()
	e, ok := err.(*gateway.Error)
	if !ok {
		t.Fatalf("error %v (%T) is not a *gateway.Error", err, err)
	}
	return e
}

// checkEvents reports how events break Anthropic's stream grammar:
// message_start first; blocks started at indexes 0, 1, ... one at a time,
// each stopped before the next starts; deltas only for started blocks and
// of their block's kind; and, if ended, message_delta then message_stop
// last with no block open.
func checkEvents(events []anthropicwire.Event, ended bool) error {
	if len(events) == 0 {
		return fmt.Errorf("no events")
	}
	if events[0].Type != anthropicwire.EventMessageStart || events[0].Message == nil {
		return fmt.Errorf("first event is %q, not message_start", events[0].Type)
	}
	var kinds []string // block types by index
	open := -1
	body := events[1:]
	if ended {
		n := len(events)
		if n < 3 || events[n-2].Type != anthropicwire.EventMessageDelta || events[n-1].Type != anthropicwire.EventMessageStop {
			return fmt.Errorf("the stream does not end with message_delta, message_stop")
		}
		if events[n-2].Delta == nil || events[n-2].Delta.StopReason == "" || events[n-2].Usage == nil {
			return fmt.Errorf("message_delta without a stop reason or usage")
		}
		body = events[1 : n-2]
	}
	for i, e := range body {
		switch e.Type {
		case anthropicwire.EventContentBlockStart:
			if open >= 0 {
				return fmt.Errorf("event %d starts block %d while %d is open", i+1, e.Index, open)
			}
			if e.Index != len(kinds) || e.ContentBlock == nil {
				return fmt.Errorf("event %d starts block %d, want %d", i+1, e.Index, len(kinds))
			}
			kinds = append(kinds, e.ContentBlock.Type)
			open = e.Index
		case anthropicwire.EventContentBlockDelta:
			if e.Index < 0 || e.Index >= len(kinds) || e.Delta == nil {
				return fmt.Errorf("event %d: delta for block %d of %d", i+1, e.Index, len(kinds))
			}
			want := map[string]string{anthropicwire.DeltaText: anthropicwire.BlockText, anthropicwire.DeltaInputJSON: anthropicwire.BlockToolUse}[e.Delta.Type]
			if want != kinds[e.Index] {
				return fmt.Errorf("event %d: %s for a %s block", i+1, e.Delta.Type, kinds[e.Index])
			}
		case anthropicwire.EventContentBlockStop:
			if e.Index != open {
				return fmt.Errorf("event %d stops block %d while %d is open", i+1, e.Index, open)
			}
			open = -1
		default:
			return fmt.Errorf("event %d: unexpected %q", i+1, e.Type)
		}
	}
	if ended && open >= 0 {
		return fmt.Errorf("block %d is still open at the end", open)
	}
	return nil
}
