package gemini

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"path"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// toRequest translates a canonical chat request to a
// GenerateContentRequest. Every failure is CodeInvalid naming the field at
// fault, and nothing is sent.
//
//   - system and developer messages become systemInstruction, one text
//     part each, in their order;
//   - user messages become "user" turns and assistant messages "model"
//     turns: text parts become text parts, image_url parts inlineData (a
//     data: URL, with its media type) or fileData (an http(s) or gs:// URL,
//     its media type guessed from the extension), input_audio parts
//     inlineData, file parts with file_data (a data: URL) inlineData;
//   - an assistant's tool_calls become functionCall parts (args: the
//     arguments parsed, which must be a JSON object; empty means {}), with
//     the call's id;
//   - tool messages become functionResponse parts of a user turn,
//     consecutive ones in one turn: the name is that of the earlier
//     assistant tool call with the message's tool_call_id, the response
//     the content parsed if it is a JSON object, else {"content": text};
//   - tools, tool_choice and the generation parameters: see setTools and
//     setConfig.
//
// Fields Gemini has no place for (user, parallel_tool_calls, logprobs,
// other Extra fields) are dropped, as the API refuses fields it does not
// know.
func toRequest(req *gateway.ChatRequest) (*request, error) {
	out := &request{}
	var system []part
	calls := map[string]string{} // tool call id → function name
	for i := range req.Messages {
		m := &req.Messages[i]
		switch m.Role {
		case "system", "developer":
			if text := m.Content.Text(); text != "" {
				system = append(system, textPart(text))
			}
		case "user":
			parts, err := userParts(m.Content, i)
			if err != nil {
				return nil, err
			}
			if len(parts) == 0 {
				return nil, gateway.Invalid("messages", "messages[%d].content must not be empty", i)
			}
			out.Contents = append(out.Contents, content{Role: "user", Parts: parts})
		case "assistant":
			parts, err := modelParts(m, i, calls)
			if err != nil {
				return nil, err
			}
			if len(parts) > 0 {
				out.Contents = append(out.Contents, content{Role: "model", Parts: parts})
			}
		case "tool":
			p, err := toolResponse(m, i, calls)
			if err != nil {
				return nil, err
			}
			if n := len(out.Contents); n > 0 && out.Contents[n-1].Role == "user" && isResponses(out.Contents[n-1].Parts) {
				out.Contents[n-1].Parts = append(out.Contents[n-1].Parts, p)
			} else {
				out.Contents = append(out.Contents, content{Role: "user", Parts: []part{p}})
			}
		default:
			return nil, gateway.Invalid("messages", "messages[%d].role %q is not supported by Gemini", i, m.Role)
		}
	}
	if len(out.Contents) == 0 {
		return nil, gateway.Invalid("messages", "messages must hold at least one user or assistant message")
	}
	if system != nil {
		out.SystemInstruction = &content{Parts: system}
	}
	if err := setTools(out, req); err != nil {
		return nil, err
	}
	if err := setConfig(out, req); err != nil {
		return nil, err
	}
	return out, nil
}

// isResponses reports whether parts are all function responses.
func isResponses(parts []part) bool {
	for _, p := range parts {
		if p.FunctionResponse == nil {
			return false
		}
	}
	return len(parts) > 0
}

// userParts translates a user message's content.
func userParts(c gateway.Content, i int) ([]part, error) {
	if c.Parts == nil {
		if text := c.Text(); text != "" {
			return []part{textPart(text)}, nil
		}
		return nil, nil
	}
	var out []part
	for j, p := range c.Parts {
		at := fmt.Sprintf("messages[%d].content[%d]", i, j)
		switch p.Type {
		case "text":
			if p.Text != "" {
				out = append(out, textPart(p.Text))
			}
		case "image_url":
			if p.ImageURL == nil || p.ImageURL.URL == "" {
				return nil, gateway.Invalid("messages", "%s.image_url.url is required", at)
			}
			ip, err := urlPart(p.ImageURL.URL, at+".image_url.url")
			if err != nil {
				return nil, err
			}
			out = append(out, ip)
		case "input_audio":
			a := p.InputAudio
			if a == nil || a.Data == "" {
				return nil, gateway.Invalid("messages", "%s.input_audio.data is required", at)
			}
			out = append(out, part{InlineData: &blob{MIMEType: audioType(a.Format), Data: a.Data}})
		case "file":
			fp, err := filePart(p, at)
			if err != nil {
				return nil, err
			}
			out = append(out, fp)
		default:
			return nil, gateway.Invalid("messages", "%s.type %q is not supported by Gemini", at, p.Type)
		}
	}
	return out, nil
}

// urlPart translates a media URL: a data: URL becomes inline data; an
// http(s) or gs:// URL file data, with the media type its extension
// suggests (image/jpeg when it suggests none).
func urlPart(u, at string) (part, error) {
	if rest, ok := cutPrefixFold(u, "data:"); ok {
		meta, data, found := strings.Cut(rest, ",")
		mt, enc, _ := strings.Cut(meta, ";")
		if !found || !strings.EqualFold(enc, "base64") || mt == "" || data == "" {
			return part{}, gateway.Invalid("messages", "%s must be a base64 data: URL with a media type", at)
		}
		return part{InlineData: &blob{MIMEType: strings.ToLower(mt), Data: data}}, nil
	}
	for _, scheme := range []string{"https://", "http://", "gs://"} {
		if _, ok := cutPrefixFold(u, scheme); ok {
			return part{FileData: &fileData{MIMEType: guessType(u), FileURI: u}}, nil
		}
	}
	return part{}, gateway.Invalid("messages", "%s must be an http(s), gs:// or data: URL", at)
}

// filePart translates OpenAI's file part ({"file": {"file_data":
// "data:...", "filename"}}); uploaded file ids mean nothing to Gemini.
func filePart(p gateway.ContentPart, at string) (part, error) {
	var f struct {
		FileData string `json:"file_data"`
		FileID   string `json:"file_id"`
	}
	if raw, ok := p.Extra["file"]; !ok || json.Unmarshal(raw, &f) != nil || f.FileData == "" {
		return part{}, gateway.Invalid("messages", "%s.file.file_data is required (a data: URL); file ids are not supported by Gemini", at)
	}
	if !strings.HasPrefix(f.FileData, "data:") {
		f.FileData = "data:application/pdf;base64," + f.FileData // OpenAI's bare base64 is a PDF
	}
	return urlPart(f.FileData, at+".file.file_data")
}

// cutPrefixFold is strings.CutPrefix ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// guessType guesses a media URL's type from its path's extension.
func guessType(u string) string {
	p := u
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	ext := strings.ToLower(path.Ext(p))
	switch ext {
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".webp":
		return "image/webp"
	case ".heic":
		return "image/heic"
	case ".heif":
		return "image/heif"
	case ".pdf":
		return "application/pdf"
	case ".mp3":
		return "audio/mp3"
	case ".wav":
		return "audio/wav"
	case ".mp4":
		return "video/mp4"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		mt, _, _ := mime.ParseMediaType(t)
		return mt
	}
	return "image/jpeg"
}

// audioType is the media type of OpenAI's input_audio format.
func audioType(format string) string {
	switch f := strings.ToLower(format); f {
	case "", "wav":
		return "audio/wav"
	case "mp3", "mpeg":
		return "audio/mp3"
	default:
		return "audio/" + f
	}
}

// modelParts translates an assistant message: its text, then its tool
// calls, whose ids it records for the tool messages that follow.
func modelParts(m *gateway.Message, i int, calls map[string]string) ([]part, error) {
	var out []part
	if text := m.Content.Text(); text != "" {
		out = append(out, textPart(text))
	}
	for j, tc := range m.ToolCalls {
		if tc.Function.Name == "" {
			return nil, gateway.Invalid("messages", "messages[%d].tool_calls[%d].function.name is required", i, j)
		}
		args := json.RawMessage("{}")
		if a := strings.TrimSpace(tc.Function.Arguments); a != "" {
			args = json.RawMessage(a)
			if !isObject(args) {
				return nil, gateway.Invalid("messages", "messages[%d].tool_calls[%d].function.arguments must be a JSON object", i, j)
			}
		}
		out = append(out, part{FunctionCall: &functionCall{ID: tc.ID, Name: tc.Function.Name, Args: compact(args)}})
		if tc.ID != "" {
			calls[tc.ID] = tc.Function.Name
		}
	}
	return out, nil
}

// toolResponse translates a tool message to a functionResponse part.
func toolResponse(m *gateway.Message, i int, calls map[string]string) (part, error) {
	name, ok := calls[m.ToolCallID]
	if !ok {
		name = m.Name
	}
	if name == "" {
		return part{}, gateway.Invalid("messages", "messages[%d].tool_call_id %q matches no earlier tool call", i, m.ToolCallID)
	}
	text := m.Content.Text()
	resp := json.RawMessage(strings.TrimSpace(text))
	if !isObject(resp) {
		b, err := json.Marshal(map[string]string{"content": text})
		if err != nil {
			return part{}, gateway.Internal(err)
		}
		resp = b
	}
	return part{FunctionResponse: &functionResponse{ID: m.ToolCallID, Name: name, Response: compact(resp)}}, nil
}

// isObject reports whether raw is a valid JSON object.
func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{' && json.Valid(raw)
}

// compact returns valid JSON raw without insignificant spaces, so the
// request body is compact whatever the client sent.
func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}
