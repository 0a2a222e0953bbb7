package anthropicapi_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/httpapi/anthropicapi"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// chunk returns a canonical chunk with one choice.
func chunk(delta, finish string) string {
	s := `{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":` + delta
	if finish != "" {
		s += `,"finish_reason":"` + finish + `"`
	}
	return s + "}]}"
}

// toolDelta returns a delta with one tool call fragment.
func toolDelta(index int, id, name, args string) string {
	s := `{"tool_calls":[{"index":` + strconv.Itoa(index)
	if id != "" {
		s += `,"id":"` + id + `","type":"function"`
	}
	return s + `,"function":{"name":"` + name + `","arguments":` + quote(args) + `}}]}`
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// run feeds the chunks to a new Stream and returns every event, End's
// included.
func run(t testing.TB, model string, chunks []string) []anthropicwire.Event {
	t.Helper()
	s := anthropicapi.NewStream(model)
	var events []anthropicwire.Event
	for _, c := range chunks {
		events = append(events, s.Chunk(decode[gateway.ChatChunk](t, c))...)
	}
	return append(events, s.End()...)
}

const (
	startEvent = `{"type":"message_start","message":{"id":"msg_chatcmpl-9","type":"message","role":"assistant","model":"claude-x","content":[],
		"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}}`
	stopEvent = `{"type":"message_stop"}`
)

func deltaEvent(stop string, in, read, created, out int) string {
	return `{"type":"message_delta","delta":{"stop_reason":"` + stop + `","stop_sequence":null},"usage":{"input_tokens":` + strconv.Itoa(in) +
		`,"cache_creation_input_tokens":` + strconv.Itoa(created) + `,"cache_read_input_tokens":` + strconv.Itoa(read) + `,"output_tokens":` + strconv.Itoa(out) + `}}`
}

func TestStream(t *testing.T) {
	t.Parallel()
	usage := `{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],
		"usage":{"prompt_tokens":120,"completion_tokens":42,"total_tokens":162,"prompt_tokens_details":{"cached_tokens":100,"cache_creation_tokens":5}}}`
	tests := []struct {
		name   string
		chunks []string
		want   []string
	}{
		{name: "TextOnly",
			chunks: []string{
				chunk(`{"role":"assistant","content":""}`, ""),
				chunk(`{"content":"Hel"}`, ""),
				chunk(`{"content":"lo"}`, ""),
				chunk(`{}`, "stop"),
			},
			want: []string{startEvent,
				`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
				`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}`,
				`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo"}}`,
				`{"type":"content_block_stop","index":0}`,
				deltaEvent("end_turn", 0, 0, 0, 0), stopEvent}},
		{name: "TextThenParallelTools",
			chunks: []string{
				chunk(`{"role":"assistant","content":"Checking."}`, ""),
				chunk(toolDelta(0, "call_a", "get_weather", ""), ""),
				chunk(toolDelta(0, "", "", `{"ci`), ""),
				chunk(toolDelta(0, "", "", `ty":"Paris"}`), ""),
				chunk(toolDelta(1, "call_b", "get_time", `{"zone":`), ""),
				chunk(toolDelta(1, "", "", `"CET"}`), ""),
				chunk(`{}`, "tool_calls"),
				usage,
			},
			want: []string{startEvent,
				`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
				`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking."}}`,
				`{"type":"content_block_stop","index":0}`,
				`{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_a","name":"get_weather","input":{}}}`,
				`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"ci"}}`,
				`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ty\":\"Paris\"}"}}`,
				`{"type":"content_block_stop","index":1}`,
				`{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"call_b","name":"get_time","input":{}}}`,
				`{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"zone\":"}}`,
				`{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"\"CET\"}"}}`,
				`{"type":"content_block_stop","index":2}`,
				deltaEvent("tool_use", 15, 100, 5, 42), stopEvent}},
		{name: "UsageAndLength",
			chunks: []string{chunk(`{"content":"a"}`, "length"), usage},
			want: []string{startEvent,
				`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
				`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}}`,
				`{"type":"content_block_stop","index":0}`,
				deltaEvent("max_tokens", 15, 100, 5, 42), stopEvent}},
		{name: "UsageInFirstChunk",
			chunks: []string{usage},
			want: []string{strings.Replace(startEvent, `"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0`,
				`"input_tokens":15,"cache_creation_input_tokens":5,"cache_read_input_tokens":100,"output_tokens":42`, 1),
				deltaEvent("end_turn", 15, 100, 5, 42), stopEvent}},
		{name: "TextAfterToolAndIndexReused",
			// Some hosts give every parallel call index 0; a new id starts a new call.
			chunks: []string{
				chunk(toolDelta(0, "call_a", "f", `{}`), ""),
				chunk(toolDelta(0, "call_b", "g", `{"x":1}`), ""),
				chunk(`{"content":"done"}`, ""),
				chunk(`{}`, "stop"),
			},
			want: []string{startEvent,
				`{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"call_a","name":"f","input":{}}}`,
				`{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{}"}}`,
				`{"type":"content_block_stop","index":0}`,
				`{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_b","name":"g","input":{}}}`,
				`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"x\":1}"}}`,
				`{"type":"content_block_stop","index":1}`,
				`{"type":"content_block_start","index":2,"content_block":{"type":"text","text":""}}`,
				`{"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"done"}}`,
				`{"type":"content_block_stop","index":2}`,
				deltaEvent("tool_use", 0, 0, 0, 0), stopEvent}},
		{name: "Refusal",
			chunks: []string{chunk(`{"refusal":"No."}`, "stop")},
			want: []string{startEvent,
				`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
				`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"No."}}`,
				`{"type":"content_block_stop","index":0}`,
				deltaEvent("refusal", 0, 0, 0, 0), stopEvent}},
		{name: "OtherChoicesIgnored",
			chunks: []string{`{"id":"chatcmpl-9","model":"gpt-4o","choices":[{"index":1,"delta":{"content":"B"}},{"index":0,"delta":{"content":"A"},"finish_reason":"content_filter"}]}`},
			want: []string{startEvent,
				`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
				`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"A"}}`,
				`{"type":"content_block_stop","index":0}`,
				deltaEvent("refusal", 0, 0, 0, 0), stopEvent}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			events := run(t, "claude-x", tt.chunks)
			is.NoErr(checkEvents(events, true))
			for i := 0; i < len(events) && i < len(tt.want); i++ {
				sameJSON(t, mustJSON(t, events[i]), tt.want[i])
			}
			is.Equal(len(events), len(tt.want))
		})
	}
}

func TestStreamNoChunks(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	events := run(t, "claude-x", nil)
	is.NoErr(checkEvents(events, true))
	is.Equal(len(events), 3) // start, delta, stop
	id := events[0].Message.ID
	is.True(strings.HasPrefix(id, "msg_") && len(id) > len("msg_")+16)
	sameJSON(t, mustJSON(t, events[0]), strings.Replace(startEvent, "msg_chatcmpl-9", id, 1))
	sameJSON(t, mustJSON(t, events[1]), deltaEvent("end_turn", 0, 0, 0, 0))
	sameJSON(t, mustJSON(t, events[2]), stopEvent)
}

func TestStreamModelFromChunk(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	events := run(t, "", []string{chunk(`{"content":"x"}`, "stop")})
	is.Equal(events[0].Message.Model, "gpt-4o")
}

func TestStreamAfterEnd(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropicapi.NewStream("m")
	is.Equal(len(s.Chunk(decode[gateway.ChatChunk](t, chunk(`{"content":"x"}`, "")))), 3)
	is.Equal(len(s.End()), 3) // block stop, message_delta, message_stop
	is.Equal(len(s.End()), 0)
	is.Equal(len(s.Chunk(decode[gateway.ChatChunk](t, chunk(`{"content":"y"}`, "")))), 0)
	is.Equal(len(s.Chunk(nil)), 0)
}

func TestStreamError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		typ  string
		msg  string
	}{
		{"Overloaded", &gateway.Error{Code: gateway.CodeUpstream, Status: 529, Message: "the upstream is overloaded", Delivered: true}, "overloaded_error", "the upstream is overloaded"},
		{"Upstream503", &gateway.Error{Code: gateway.CodeUpstream, Status: 503, Message: "m"}, "overloaded_error", "m"},
		{"UpstreamRateLimited", &gateway.Error{Code: gateway.CodeUpstream, Status: 429, Message: "m"}, "rate_limit_error", "m"},
		{"UpstreamBadRequest", &gateway.Error{Code: gateway.CodeUpstream, Status: 400, Message: "m"}, "invalid_request_error", "m"},
		{"UpstreamNotFound", &gateway.Error{Code: gateway.CodeUpstream, Status: 404, Message: "m"}, "not_found_error", "m"},
		{"UpstreamCredential", &gateway.Error{Code: gateway.CodeUpstream, Status: 401, Message: "m"}, "api_error", "m"},
		{"UpstreamCut", &gateway.Error{Code: gateway.CodeUpstream, Message: "stream ended before [DONE]"}, "api_error", "stream ended before [DONE]"},
		{"UpstreamTimeoutStatus", &gateway.Error{Code: gateway.CodeUpstream, Status: 504, Message: "m"}, "timeout_error", "m"},
		{"Timeout", &gateway.Error{Code: gateway.CodeUpstreamTimeout, Message: "m"}, "timeout_error", "m"},
		{"RateLimited", &gateway.Error{Code: gateway.CodeRateLimited, Message: "m"}, "rate_limit_error", "m"},
		{"NoCredits", &gateway.Error{Code: gateway.CodeNoCredits, Message: "m"}, "billing_error", "m"},
		{"Unavailable", &gateway.Error{Code: gateway.CodeUnavailable, Message: "m"}, "overloaded_error", "m"},
		{"Invalid", gateway.Invalid("x", "bad x"), "invalid_request_error", "bad x"},
		{"Unauthenticated", &gateway.Error{Code: gateway.CodeUnauthenticated, Message: "m"}, "authentication_error", "m"},
		{"Forbidden", &gateway.Error{Code: gateway.CodeForbidden, Message: "m"}, "permission_error", "m"},
		{"NotFound", &gateway.Error{Code: gateway.CodeNotFound, Message: "m"}, "not_found_error", "m"},
		{"Foreign", errors.New("secret detail"), "api_error", "internal error"},
		{"EmptyMessage", &gateway.Error{Code: gateway.CodeCanceled}, "api_error", "the stream failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			s := anthropicapi.NewStream("m")
			s.Chunk(decode[gateway.ChatChunk](t, chunk(`{"content":"x"}`, "")))
			ev := s.Error(tt.err)
			sameJSON(t, mustJSON(t, ev), `{"type":"error","error":{"type":"`+tt.typ+`","message":"`+tt.msg+`"}}`)
			is.Equal(anthropicapi.ErrorType(tt.err), tt.typ)
			is.Equal(len(s.End()), 0) // the error ended the stream
		})
	}
}
