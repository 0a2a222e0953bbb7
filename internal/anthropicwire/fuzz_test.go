package anthropicwire_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// FuzzRoundTrip decodes arbitrary JSON as a request, a response and an
// event: whatever decodes encodes to valid JSON that decodes to the same
// encoding again.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte(`{"model":"m","max_tokens":5,"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"tool_result","tool_use_id":"t","content":[{"type":"image","source":{"type":"url","url":"u"}}]}]}],"tools":[{"name":"f","input_schema":{"type":"object"}},{"type":"web_search_20250305","name":"web_search"}],"x":1}`))
	f.Add([]byte(`{"id":"msg","type":"message","role":"assistant","model":"m","content":[{"type":"server_tool_use","id":"s"},{"type":"thinking","thinking":"t","signature":"g"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":2,"cache_creation":{}}}`))
	f.Add([]byte(`{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null,"stop_details":null},"usage":{"input_tokens":3,"output_tokens":4}}`))
	f.Add([]byte(`{"type":"content_block_delta","index":2,"delta":{"type":"citations_delta","citation":{"type":"char_location"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, data, func() any { return new(anthropicwire.Request) })
		check(t, data, func() any { return new(anthropicwire.Response) })
		check(t, data, func() any { return new(anthropicwire.Event) })
		check(t, data, func() any { return new(anthropicwire.ContentBlock) })
	})
}

// check decodes data into a fresh value; if it decodes and encodes, the
// encoding must decode and encode to the same bytes.
func check(t *testing.T, data []byte, fresh func() any) {
	v := fresh()
	if json.Unmarshal(data, v) != nil {
		return
	}
	first, err := json.Marshal(v)
	if err != nil {
		return // a kept raw value that is not JSON cannot be written back
	}
	w := fresh()
	if err := json.Unmarshal(first, w); err != nil {
		t.Fatalf("%T: own encoding does not decode: %v\n%s", v, err, first)
	}
	second, err := json.Marshal(w)
	if err != nil {
		t.Fatalf("%T: %v", w, err)
	}
	if !bytes.Equal(first, second) {
		t.Fatalf("%T: encoding is not stable\n 1st: %s\n 2nd: %s", v, first, second)
	}
}
