package gateway

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// chatJSONSeeds are requests the fast paths must decode and encode
// exactly as encoding/json does, and ones they must leave to it.
var chatJSONSeeds = []string{
	`{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
	` {"model":"m","messages":[{"role":"user","content":"hi"}]} ` + "\n",
	`{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief <b> & \u2028 ok"},{"role":"user","content":"caf\u00e9 \"q\" \\ \n\t"}],"max_tokens":256,"temperature":0.2,"user":"u-42"}`,
	`{"model":"m","messages":[],"stream":true,"stream_options":{"include_usage":true}}`,
	`{"model":"m","messages":null}`,
	`{"model":null,"messages":[{"role":"user","content":null}]}`,
	`{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"42","name":"f"}]}`,
	`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}},{"type":"file","file":{"id":"f"}}]}]}`,
	`{"model":"m","messages":[{"role":"user","content":"x","cache_control":{ "type" : "ephemeral" },"refusal":"no"}],"metadata":{"team": "<data>"},"zz":[1, 2],"aa":null}`,
	`{"model":"m","messages":[{"role":"user","content":"x"}],"stop":"END","seed":-7,"n":2,"top_p":1e-7,"presence_penalty":0,"frequency_penalty":-1.5e21,"parallel_tool_calls":false}`,
	`{"model":"m","messages":[{"role":"user","content":"x"}],"stop":["a","b"],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":{"type":"function","function":{"name":"f"}},"response_format":{"type":"json_schema","json_schema":{"name":"s"}}}`,
	`{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"auto","max_completion_tokens":10}`,
	`{"model":"a","model":"b","messages":[]}`,
	`{"Model":"a","messages":[]}`,
	`{"MODEL":"a","messages":[{"Role":"user","content":"x"}]}`,
	`{"model":"a","m\u00f6del":1,"messages":[]}`,
	`{"mod\u0065l":"esc","messages":[{"role":"user","content":"x","role":"system"}]}`,
	`{"model":"a","messages":[{"role":"user","content":"bad \xff utf8"}]}`,
	`{"model":"a\u0000b","messages":[]}`,
	`{"model":1,"messages":[]}`,
	`{"model":"m","messages":[1]}`,
	`{"model":"m","messages":[null]}`,
	`{"model":"m","messages":[],"stream":"yes"}`,
	`{"model":"m","messages":[],"stream":null,"max_tokens":null}`,
	`{"model":"m","messages":[],"max_tokens":2.5}`,
	`{"model":"m","messages":[],"max_tokens":1 2}`,
	`{"model":"m","messages":[],}`,
	`{"model":"m" "messages":[]}`,
	`{"model":"m","messages":[}`,
	`{"model":"m","messages":[{"role":"user","content":"x"}]} trailing`,
	`{"model":"m","extra":{"a":]}}`,
	`{"model":"m","extra":tru}`,
	`{"model":"m\`,
	`{"model":"m","messages":[{"role":"user","content":"x"},]}`,
	`{"model":"m","messages":[{"role":"user","content":"x"} {"role":"user"}]}`,
	`[]`,
	`null`,
	``,
	`{`,
	`{}`,
}

// FuzzChatRequestJSON checks that the fast paths decode and encode every
// input exactly as encoding/json and decodeExtra do: the same value or
// the same error, and the same bytes out.
func FuzzChatRequestJSON(f *testing.F) {
	for _, s := range chatJSONSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var slow, fast ChatRequest
		slowJSON = true
		slowErr := json.Unmarshal(data, &slow)
		slowJSON = false
		fastErr := json.Unmarshal(data, &fast)
		if (slowErr == nil) != (fastErr == nil) || slowErr != nil && slowErr.Error() != fastErr.Error() {
			t.Fatalf("%q: errors differ: slow %v, fast %v", data, slowErr, fastErr)
		}
		var direct ChatRequest
		directErr := direct.UnmarshalJSON(data)
		slowJSON = true
		var slowDirect ChatRequest
		slowDirectErr := slowDirect.UnmarshalJSON(data)
		slowJSON = false
		if (directErr == nil) != (slowDirectErr == nil) || directErr != nil && directErr.Error() != slowDirectErr.Error() {
			t.Fatalf("%q: UnmarshalJSON errors differ: slow %v, fast %v", data, slowDirectErr, directErr)
		}
		if !reflect.DeepEqual(direct, slowDirect) {
			t.Fatalf("%q: UnmarshalJSON differs:\nslow %#v\nfast %#v", data, slowDirect, direct)
		}
		if slowErr != nil {
			return
		}
		if !reflect.DeepEqual(slow, fast) {
			t.Fatalf("%q: decoded differently:\nslow %#v\nfast %#v", data, slow, fast)
		}
		checkChatEncode(t, &fast)
	})
}

// checkChatEncode checks that r encodes as the slow path encodes it,
// and that MarshalJSON's output is already what json.Marshal makes of it.
func checkChatEncode(t *testing.T, r *ChatRequest) {
	t.Helper()
	slowJSON = true
	want, wantErr := json.Marshal(r)
	slowJSON = false
	got, err := json.Marshal(r)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("encode errors differ: slow %v, fast %v", wantErr, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoded differently:\nslow %s\nfast %s", want, got)
	}
	direct, err := r.MarshalJSON()
	if wantErr != nil {
		if err == nil {
			t.Fatalf("MarshalJSON = %s, want an error as json.Marshal's %v", direct, wantErr)
		}
		return
	}
	if err != nil || !bytes.Equal(direct, want) {
		t.Fatalf("MarshalJSON = %s, %v; want %s", direct, err, want)
	}
	for i := range r.Messages {
		slowJSON = true
		want, _ := json.Marshal(r.Messages[i])
		slowJSON = false
		got, err := r.Messages[i].MarshalJSON()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("message %d: MarshalJSON = %s, %v; want %s", i, got, err, want)
		}
	}
}

// TestChatRequestEncodeEdges covers what a decoded request cannot hold:
// values that do not encode, and strings set in Go.
func TestChatRequestEncodeEdges(t *testing.T) {
	nan, big, tiny, neg := 0.0, 1e21, 1e-7, -0.0
	nan = nan / nan
	one := 1
	for _, r := range []ChatRequest{
		{Model: "m", Messages: []Message{{Role: "user", Content: TextContent("x")}}, Temperature: &nan},
		{Model: "m\xff\u2029<>&\x01\x7f", Messages: []Message{{Role: "user", Content: PartsContent()}}, TopP: &big, PresencePenalty: &tiny, FrequencyPenalty: &neg, N: &one},
		{Model: "m", Messages: []Message{{Role: "user", Extra: Extra{"bad": json.RawMessage(`{`)}}}},
		{Model: "m", Messages: []Message{{Role: "user", Extra: Extra{"empty": nil, "role": json.RawMessage(`"x"`)}}}, Extra: Extra{"model": json.RawMessage(`"y"`), "k": json.RawMessage(" [ \"<\" ] ")}},
		{Model: "m", ToolChoice: &ToolChoice{Mode: "function", Function: "f"}, Stop: Stop{}, Tools: []Tool{}},
	} {
		checkChatEncode(t, &r)
	}
}

func TestChatRequestSeeds(t *testing.T) {
	for _, s := range chatJSONSeeds {
		var r ChatRequest
		if err := json.Unmarshal([]byte(s), &r); err == nil {
			checkChatEncode(t, &r)
		}
	}
}

// jsonNames are the JSON names of typ's fields, in field order.
func jsonNames(typ reflect.Type) []string {
	var out []string
	for i := range typ.NumField() {
		tag := strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]
		if tag != "" && tag != "-" {
			out = append(out, tag)
		}
	}
	return out
}

// TestFastPathFieldsMatchStructs checks that the fast paths know every
// JSON field of ChatRequest and Message, in field order: a field added to
// a struct and not to its list would be kept in Extra instead.
func TestFastPathFieldsMatchStructs(t *testing.T) {
	if got, want := jsonNames(reflect.TypeFor[ChatRequest]()), chatFields[:]; !reflect.DeepEqual(got, want) {
		t.Errorf("ChatRequest's JSON fields are %q; chatFields has %q", got, want)
	}
	if got, want := jsonNames(reflect.TypeFor[Message]()), messageFields[:]; !reflect.DeepEqual(got, want) {
		t.Errorf("Message's JSON fields are %q; messageFields has %q", got, want)
	}
}
