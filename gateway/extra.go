package gateway

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"sync"
)

// Extra holds the JSON fields of a request or message that Tollgate does
// not model, so they reach the upstream unchanged: a new OpenAI parameter
// works through the gateway the day it ships.
type Extra map[string]json.RawMessage

// knownFields caches, per struct type, the JSON names of its fields.
var knownFields sync.Map // reflect.Type → map[string]bool

func fieldNames(t reflect.Type) map[string]bool {
	if v, ok := knownFields.Load(t); ok {
		return v.(map[string]bool)
	}
	names := make(map[string]bool, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = t.Field(i).Name
		}
		names[name] = true
	}
	knownFields.Store(t, names)
	return names
}

// decodeExtra unmarshals data into v (a pointer to a struct without custom
// methods) and returns the fields v does not know.
func decodeExtra(data []byte, v any) (Extra, error) {
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	return unknownFields(data, fieldNames(reflect.TypeOf(v).Elem()))
}

// encodeExtra marshals v (a struct without custom methods) and appends the
// extra fields it does not already have, in key order so output is stable.
func encodeExtra(v any, extra Extra) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	known := fieldNames(reflect.TypeOf(v).Elem())
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !known[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	buf.Grow(len(b) + 64*len(keys))
	buf.Write(b[:len(b)-1]) // drop the closing brace
	empty := bytes.Equal(b, []byte("{}"))
	for _, k := range keys {
		raw := extra[k]
		if len(raw) == 0 {
			continue // an empty RawMessage is not JSON
		}
		if !empty {
			buf.WriteByte(',')
		}
		empty = false
		name, _ := json.Marshal(k)
		buf.Write(name)
		buf.WriteByte(':')
		buf.Write(raw)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// DecodeExtra unmarshals data into v, a pointer to a struct without JSON
// methods of its own, and returns the object's fields v does not know:
// the way the canonical types keep what they do not model, for wire
// packages that keep unknown fields the same way.
func DecodeExtra(data []byte, v any) (Extra, error) { return decodeExtra(data, v) }

// EncodeExtra marshals v, a pointer to a struct without JSON methods, and
// appends the fields of extra it does not have, in key order.
func EncodeExtra(v any, extra Extra) ([]byte, error) { return encodeExtra(v, extra) }
