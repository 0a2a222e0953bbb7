package gateway

import (
	"bytes"
	"encoding/json"
	"testing"
)

// unknownFieldsByMap is what unknownFields replaces: unmarshal into a
// map, then drop the known names.
func unknownFieldsByMap(data []byte, known map[string]bool) (Extra, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	var extra Extra
	for k, raw := range all {
		if !known[k] {
			if extra == nil {
				extra = make(Extra)
			}
			extra[k] = raw
		}
	}
	return extra, nil
}

var scanSeeds = []string{
	`{}`, ` { } `, `{"model":"m","x":1}`, `{"a":{"b":[1,2,{"c":"}"}]},"d":"\"q\"","e":null,"f":true,"g":-1.5e3}`,
	`{"\u006dodel":"m","k\"ey":[],"ünï":"x"}`, `{"dup":1,"dup":2}`, "{\n\t\"s\" : \"a\\\\\" ,\"t\":[ ] }",
	`{"messages":[{"role":"user","content":"hi","name":"x","custom":{"y":[true]}}],"stream":false,"seed":3}`,
}

func FuzzUnknownFields(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	known := map[string]bool{"model": true, "messages": true, "stream": true}
	f.Fuzz(func(t *testing.T, data []byte) {
		var obj map[string]json.RawMessage
		if !json.Valid(data) || json.Unmarshal(data, &obj) != nil {
			return // decodeExtra scans only what json.Unmarshal accepted as an object
		}
		want, err := unknownFieldsByMap(data, known)
		if err != nil {
			t.Skip()
		}
		got, err := unknownFields(data, known)
		if err != nil {
			t.Fatalf("unknownFields(%q): %v", data, err)
		}
		if len(got) != len(want) {
			t.Fatalf("unknownFields(%q) = %v, want %v", data, got, want)
		}
		for k, v := range want {
			if !bytes.Equal(got[k], v) {
				t.Fatalf("unknownFields(%q)[%q] = %s, want %s", data, k, got[k], v)
			}
		}
	})
}

func BenchmarkDecodeChatRequest(b *testing.B) {
	body := []byte(`{"model":"gpt-4o-mini","temperature":0.2,"max_tokens":256,"user":"u-42","metadata":{"team":"search"},
		"messages":[{"role":"system","content":"You are a helpful assistant that answers briefly."},
		{"role":"user","content":"What is the capital of France? Answer in one word."},
		{"role":"assistant","content":"Paris."},{"role":"user","content":"And of Italy?"}]}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var r ChatRequest
		if err := json.Unmarshal(body, &r); err != nil {
			b.Fatal(err)
		}
	}
}
