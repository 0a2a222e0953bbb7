package gateway

import (
	"encoding/json"
	"strconv"
)

// The fast paths of a whole answer, as chat_chunk.go's of a stream's
// chunks: the upstream's body decoded and the client's encoded were the
// two largest costs of a non-streamed request after the request's own.

var (
	responseFields = [...]string{"id", "object", "created", "model", "choices", "usage", "system_fingerprint", "service_tier"}
	choiceFields   = [...]string{"index", "message", "finish_reason", "logprobs"}
)

// DecodeChatResponse decodes the JSON object data into *r as
// json.Unmarshal would, in one pass, and reports true; or reports false,
// with *r untouched, for whatever it leaves to json.Unmarshal (as
// ChunkDecoder.Decode), which then gives the same value or the error.
func DecodeChatResponse(data []byte, r *ChatResponse) bool {
	if slowJSON {
		return false
	}
	var v ChatResponse
	end, ok := walkFields(data, skipSpace(data, 0), responseFields[:], nil, func(i int, val []byte) bool {
		switch i {
		case 0:
			return decodeText(val, &v.ID)
		case 1:
			return decodeText(val, &v.Object)
		case 2:
			return decodeNumber(val, 64, &v.Created)
		case 3:
			return decodeText(val, &v.Model)
		case 4:
			return decodeArray(val, &v.Choices, decodeChoice)
		case 5:
			return decodeUsage(val, &v.Usage)
		case 6:
			return decodeText(val, &v.SystemFingerprint)
		default:
			return decodeText(val, &v.ServiceTier)
		}
	})
	if !ok || skipSpace(data, end) != len(data) {
		return false
	}
	*r = v
	return true
}

func decodeChoice(val []byte, ch *Choice) bool {
	end, ok := walkFields(val, 0, choiceFields[:], nil, func(i int, v []byte) bool {
		switch i {
		case 0:
			return decodeIntField(v, &ch.Index)
		case 1:
			// encoding/json hands a Message its value's bytes, null
			// too, whatever they are.
			return ch.Message.UnmarshalJSON(v) == nil
		case 2:
			return decodeText(v, &ch.FinishReason)
		default:
			return decodeRaw(v, &ch.Logprobs)
		}
	})
	return ok && end == len(val)
}

// AppendChatResponse appends r encoded exactly as json.Marshal encodes
// it, or returns json.Marshal's error.
func AppendChatResponse(b []byte, r *ChatResponse) ([]byte, error) {
	if !slowJSON {
		if out, ok := appendChatResponse(b, r); ok {
			return out, nil
		}
	}
	enc, err := json.Marshal(r)
	if err != nil {
		return b, err
	}
	return append(b, enc...), nil
}

func appendChatResponse(b []byte, r *ChatResponse) ([]byte, bool) {
	b = appendHead(b, r.ID, r.Object, r.Created, r.Model)
	b, ok := appendArray(b, r.Choices, appendChoice)
	if !ok {
		return b, false
	}
	if r.Usage != nil {
		b = append(b, `,"usage":`...)
		b = appendUsage(b, r.Usage)
	}
	if r.SystemFingerprint != "" {
		b = append(b, `,"system_fingerprint":`...)
		b = appendJSONString(b, r.SystemFingerprint)
	}
	if r.ServiceTier != "" {
		b = append(b, `,"service_tier":`...)
		b = appendJSONString(b, r.ServiceTier)
	}
	return append(b, '}'), true
}

func appendChoice(b []byte, ch *Choice) ([]byte, bool) {
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(ch.Index), 10)
	b = append(b, `,"message":`...)
	b, ok := appendMessage(b, &ch.Message)
	if !ok {
		return b, false
	}
	b = append(b, `,"finish_reason":`...)
	b = appendJSONString(b, ch.FinishReason)
	b = append(b, `,"logprobs":`...)
	if b, ok = appendRaw(b, ch.Logprobs); !ok {
		return b, false
	}
	return append(b, '}'), true
}
