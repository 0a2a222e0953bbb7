package gateway

import (
	"encoding/json"
	"strconv"
)

// A stream's chunks were decoded from the upstream and encoded for the
// client through encoding/json, by reflection, the largest CPU cost of
// relaying a stream (a third of it at concurrency 50). The fast paths
// here do both in one walk, with the same results: they take only what
// they decode exactly as json.Unmarshal into a ChatChunk does and give
// up on anything else (chat_answer_json_test.go's differential fuzz
// tests check it), and encode byte for byte what json.Marshal makes.

var (
	chunkFields       = [...]string{"id", "object", "created", "model", "choices", "usage", "system_fingerprint"}
	chunkChoiceFields = [...]string{"index", "delta", "finish_reason", "logprobs"}
	deltaFields       = [...]string{"role", "content", "refusal", "tool_calls"}
)

// ChunkDecoder decodes the chunks of one stream, as json.Unmarshal into
// a ChatChunk would, in one pass. It reuses the strings that repeat in
// every chunk of a stream (id, object, model, system fingerprint) rather
// than allocating them again. The zero ChunkDecoder is ready to use; it
// is not safe for concurrent use.
type ChunkDecoder struct {
	// Refuse names top-level members that make Decode give up, compared
	// regardless of case, as encoding/json matches names. A wire type
	// that embeds ChatChunk beside fields of its own refuses their names,
	// so that json.Unmarshal decodes those chunks whole. Other members
	// ChatChunk has no field for are skipped, as json.Unmarshal skips
	// them.
	Refuse []string

	last [4]string // id, object, model and system_fingerprint as last decoded
}

// Decode decodes the JSON object data into *c and reports true, or
// reports false, with *c untouched, for whatever it leaves to
// json.Unmarshal: invalid JSON, a member of the wrong type, a duplicate
// or case-folded name, a surrogate escape, invalid UTF-8, and names
// in Refuse. json.Unmarshal then gives the same value, or the
// error.
func (d *ChunkDecoder) Decode(data []byte, c *ChatChunk) bool {
	if slowJSON {
		return false
	}
	var v ChatChunk
	end, ok := walkFieldsAt(data, skipSpace(data, 0), chunkFields[:], func(name []byte, i int) int {
		end := ignoredAt(data, name, i, chunkFields[:])
		if end < 0 || refused(name, d.Refuse) {
			return -1 // (ignoredAt took only ASCII names, so folding ASCII is exact)
		}
		return end
	}, func(k, i int) int {
		switch k {
		case 0:
			return valueAt(data, i, func(val []byte) bool { return d.repeated(val, 0, &v.ID) })
		case 1:
			return valueAt(data, i, func(val []byte) bool { return d.repeated(val, 1, &v.Object) })
		case 2:
			return valueAt(data, i, func(val []byte) bool { return decodeNumber(val, 64, &v.Created) })
		case 3:
			return valueAt(data, i, func(val []byte) bool { return d.repeated(val, 2, &v.Model) })
		case 4:
			return decodeArrayAt(data, i, &v.Choices, decodeChunkChoiceAt)
		case 5:
			return valueAt(data, i, func(val []byte) bool { return decodeUsage(val, &v.Usage) })
		default:
			return valueAt(data, i, func(val []byte) bool { return d.repeated(val, 3, &v.SystemFingerprint) })
		}
	})
	if !ok || skipSpace(data, end) != len(data) {
		return false
	}
	*c = v
	return true
}

// repeated decodes a string member that is likely the same as in the
// chunk before, and keeps it for the next.
func (d *ChunkDecoder) repeated(val []byte, slot int, dst *string) bool {
	if s, ok := plainString(val); ok {
		if string(s) != d.last[slot] {
			d.last[slot] = string(s)
		}
		*dst = d.last[slot]
		return true
	}
	return decodeText(val, dst)
}

func decodeChunkChoiceAt(data []byte, i int, ch *ChunkChoice) int {
	end, ok := walkFieldsAt(data, i, chunkChoiceFields[:], func(name []byte, i int) int {
		return ignoredAt(data, name, i, chunkChoiceFields[:])
	}, func(k, i int) int {
		switch k {
		case 0:
			return valueAt(data, i, func(v []byte) bool { return decodeIntField(v, &ch.Index) })
		case 1:
			if hasNull(data, i) {
				return i + len("null")
			}
			return decodeDeltaAt(data, i, &ch.Delta)
		case 2:
			return valueAt(data, i, func(v []byte) bool { return decodeText(v, &ch.FinishReason) })
		default:
			return valueAt(data, i, func(v []byte) bool { return decodeRaw(v, &ch.Logprobs) })
		}
	})
	if !ok {
		return -1
	}
	return end
}

func decodeDeltaAt(data []byte, i int, d *Delta) int {
	end, ok := walkFieldsAt(data, i, deltaFields[:], func(name []byte, i int) int {
		return ignoredAt(data, name, i, deltaFields[:])
	}, func(k, i int) int {
		switch k {
		case 0:
			return valueAt(data, i, func(v []byte) bool { return decodeText(v, &d.Role) })
		case 1:
			return valueAt(data, i, func(v []byte) bool { return decodeText(v, &d.Content) })
		case 2:
			return valueAt(data, i, func(v []byte) bool { return decodeText(v, &d.Refusal) })
		default:
			return valueAt(data, i, func(v []byte) bool { return decodeArray(v, &d.ToolCalls, decodeToolCall) })
		}
	})
	if !ok {
		return -1
	}
	return end
}

// Wire returns the chunk as an upstream of the OpenAI wire format sent
// it, when one did and nothing has changed the chunk since; nil
// otherwise. A client of the OpenAI API is sent these bytes as they are,
// so fields Tollgate does not model reach it too. Like
// bufio.Scanner.Bytes, they may be overwritten by the stream's next Next:
// relay them before asking for the next chunk.
func (c *ChatChunk) Wire() []byte { return c.wire }

// SetWire makes data the chunk's Wire (nil forgets it). An upstream
// adapter that decoded the chunk from data sets it, and must leave data
// as it is until its stream's next Next; whatever changes the chunk's
// fields afterwards must forget it.
func (c *ChatChunk) SetWire(data []byte) { c.wire = data }

// AppendRelayedChunk appends c as a client of the OpenAI API is sent it:
// its Wire when it has one, else as AppendChatChunk encodes it.
func AppendRelayedChunk(b []byte, c *ChatChunk) ([]byte, error) {
	if c.wire != nil {
		return append(b, c.wire...), nil
	}
	return AppendChatChunk(b, c)
}

// AppendChatChunk appends c encoded exactly as json.Marshal encodes it,
// or returns json.Marshal's error.
func AppendChatChunk(b []byte, c *ChatChunk) ([]byte, error) {
	if !slowJSON {
		if out, ok := appendChatChunk(b, c); ok {
			return out, nil
		}
	}
	enc, err := json.Marshal(c)
	if err != nil {
		return b, err
	}
	return append(b, enc...), nil
}

func appendChatChunk(b []byte, c *ChatChunk) ([]byte, bool) {
	b = appendHead(b, c.ID, c.Object, c.Created, c.Model)
	b, ok := appendArray(b, c.Choices, appendChunkChoice)
	if !ok {
		return b, false
	}
	if c.Usage != nil {
		b = append(b, `,"usage":`...)
		b = appendUsage(b, c.Usage)
	}
	if c.SystemFingerprint != "" {
		b = append(b, `,"system_fingerprint":`...)
		b = appendJSONString(b, c.SystemFingerprint)
	}
	return append(b, '}'), true
}

// appendHead opens a chunk or a response: the members before choices,
// up to its colon.
func appendHead(b []byte, id, object string, created int64, model string) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, id)
	b = append(b, `,"object":`...)
	b = appendJSONString(b, object)
	b = append(b, `,"created":`...)
	b = strconv.AppendInt(b, created, 10)
	b = append(b, `,"model":`...)
	b = appendJSONString(b, model)
	return append(b, `,"choices":`...)
}

func appendChunkChoice(b []byte, ch *ChunkChoice) ([]byte, bool) {
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(ch.Index), 10)
	b = append(b, `,"delta":{`...)
	d := &ch.Delta
	sep := false
	b, sep = appendOptString(b, sep, `"role":`, d.Role)
	b, sep = appendOptString(b, sep, `"content":`, d.Content)
	b, sep = appendOptString(b, sep, `"refusal":`, d.Refusal)
	if len(d.ToolCalls) > 0 {
		if sep {
			b = append(b, ',')
		}
		b = append(b, `"tool_calls":`...)
		b = appendToolCalls(b, d.ToolCalls)
	}
	b = append(b, '}')
	if ch.FinishReason != "" {
		b = append(b, `,"finish_reason":`...)
		b = appendJSONString(b, ch.FinishReason)
	}
	if len(ch.Logprobs) > 0 {
		b = append(b, `,"logprobs":`...)
		var ok bool
		if b, ok = appendRaw(b, ch.Logprobs); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendOptString appends an omitempty string member, after a comma if
// one came before it.
func appendOptString(b []byte, sep bool, name, s string) ([]byte, bool) {
	if s == "" {
		return b, sep
	}
	if sep {
		b = append(b, ',')
	}
	b = append(b, name...)
	return appendJSONString(b, s), true
}

// appendRaw appends a RawMessage as json.Marshal does: nil as null, the
// rest compacted and HTML-escaped; false if it is not valid JSON.
func appendRaw(b []byte, raw json.RawMessage) ([]byte, bool) {
	if raw == nil || string(raw) == "null" {
		return append(b, "null"...), true
	}
	v, err := compactHTML(raw)
	if err != nil {
		return b, false
	}
	return append(b, v...), true
}

func appendUsage(b []byte, u *Usage) []byte {
	b = append(b, `{"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(u.PromptTokens), 10)
	b = append(b, `,"completion_tokens":`...)
	b = strconv.AppendInt(b, int64(u.CompletionTokens), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(u.TotalTokens), 10)
	if d := u.PromptTokensDetails; d != nil {
		b = append(b, `,"prompt_tokens_details":{"cached_tokens":`...)
		b = strconv.AppendInt(b, int64(d.CachedTokens), 10)
		b = appendOptInt(b, `,"audio_tokens":`, d.AudioTokens)
		b = appendOptInt(b, `,"cache_creation_tokens":`, d.CacheCreationTokens)
		b = append(b, '}')
	}
	if d := u.CompletionTokensDetails; d != nil {
		b = append(b, `,"completion_tokens_details":{"reasoning_tokens":`...)
		b = strconv.AppendInt(b, int64(d.ReasoningTokens), 10)
		b = appendOptInt(b, `,"audio_tokens":`, d.AudioTokens)
		b = appendOptInt(b, `,"accepted_prediction_tokens":`, d.AcceptedPredictionTokens)
		b = appendOptInt(b, `,"rejected_prediction_tokens":`, d.RejectedPredictionTokens)
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendOptInt(b []byte, name string, n int) []byte {
	if n == 0 {
		return b
	}
	return strconv.AppendInt(append(b, name...), int64(n), 10)
}

func appendToolCalls(b []byte, calls []ToolCall) []byte {
	b = append(b, '[')
	for i := range calls {
		tc := &calls[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if tc.Index != nil {
			b = append(b, `"index":`...)
			b = strconv.AppendInt(b, int64(*tc.Index), 10)
			b = append(b, ',')
		}
		if tc.ID != "" {
			b = append(b, `"id":`...)
			b = appendJSONString(b, tc.ID)
			b = append(b, ',')
		}
		if tc.Type != "" {
			b = append(b, `"type":`...)
			b = appendJSONString(b, tc.Type)
			b = append(b, ',')
		}
		b = append(b, `"function":{`...)
		if tc.Function.Name != "" {
			b = append(b, `"name":`...)
			b = appendJSONString(b, tc.Function.Name)
			b = append(b, ',')
		}
		b = append(b, `"arguments":`...)
		b = appendJSONString(b, tc.Function.Arguments)
		b = append(b, "}}"...)
	}
	return append(b, ']')
}
