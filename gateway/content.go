package gateway

import (
	"encoding/json"
	"strings"
)

// Content is a message's content: null, a string, or a list of parts
// (text, images, audio, files). The zero Content is null.
type Content struct {
	// Parts is set when the content is a list of parts.
	Parts []ContentPart
	str   string
	isStr bool
}

// TextContent returns a string Content.
func TextContent(s string) Content { return Content{str: s, isStr: true} }

// PartsContent returns a Content made of parts.
func PartsContent(parts ...ContentPart) Content { return Content{Parts: parts} }

// IsNull reports whether the content is JSON null (as in an assistant
// message that only calls tools).
func (c Content) IsNull() bool { return !c.isStr && c.Parts == nil }

// Text returns the string content, or the text parts joined together.
func (c Content) Text() string {
	if c.isStr || c.Parts == nil {
		return c.str
	}
	var b strings.Builder
	for _, p := range c.Parts {
		if p.Type == "text" {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// UnmarshalJSON accepts null, a string or an array of parts.
func (c *Content) UnmarshalJSON(data []byte) error {
	*c = Content{}
	switch {
	case len(data) == 0 || string(data) == "null":
		return nil
	case data[0] == '"':
		c.isStr = true
		return json.Unmarshal(data, &c.str)
	default:
		c.Parts = []ContentPart{}
		return json.Unmarshal(data, &c.Parts)
	}
}

// MarshalJSON writes the form the content was made in.
func (c Content) MarshalJSON() ([]byte, error) {
	switch {
	case c.Parts != nil:
		return json.Marshal(c.Parts)
	case c.isStr:
		return json.Marshal(c.str)
	default:
		return []byte("null"), nil
	}
}

// ContentPart is one part of a multi-part message. Types Tollgate does not
// model keep their fields in Extra.
type ContentPart struct {
	Type       string      `json:"type"`
	Text       string      `json:"text,omitempty"`
	ImageURL   *ImageURL   `json:"image_url,omitempty"`
	InputAudio *InputAudio `json:"input_audio,omitempty"`
	Extra      Extra       `json:"-"`
}

type contentPartJSON ContentPart

// UnmarshalJSON decodes the known fields and keeps the rest in Extra.
func (p *ContentPart) UnmarshalJSON(data []byte) error {
	var v contentPartJSON
	extra, err := decodeExtra(data, &v)
	if err != nil {
		return err
	}
	*p = ContentPart(v)
	p.Extra = extra
	return nil
}

// MarshalJSON encodes the known fields followed by Extra.
func (p ContentPart) MarshalJSON() ([]byte, error) {
	v := contentPartJSON(p)
	return encodeExtra(&v, p.Extra)
}

// ImageURL points at an image: an https URL or a data: URL.
type ImageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

// InputAudio is base64 audio in a message.
type InputAudio struct {
	Data   string `json:"data"`
	Format string `json:"format"`
}
