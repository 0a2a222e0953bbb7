package anthropicapi

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// Source types of images and documents.
const (
	sourceBase64  = "base64"
	sourceURL     = "url"
	sourceText    = "text"
	sourceContent = "content"
	sourceFile    = "file"
)

const pdfType = "application/pdf"

// contentParts translates one block of a user turn (or one a tool result
// returned) into content parts; where names it in errors.
//
//   - text → a text part;
//   - image, base64 → an image_url part with a data: URL; url → an
//     image_url part with the URL;
//   - document, base64 (a PDF) → a file part {"type":"file","file":
//     {"filename","file_data"}} with a data: URL, named after the title
//     (else "document.pdf"); text → a text part, after the title if there
//     is one; content → the parts of its blocks;
//   - thinking, redacted_thinking → nothing.
//
// Files API sources, PDFs by URL (OpenAI cannot fetch them) and every
// other block are CodeInvalid.
func contentParts(b *anthropicwire.ContentBlock, where string) ([]gateway.ContentPart, error) {
	switch b.Type {
	case anthropicwire.BlockText:
		return []gateway.ContentPart{{Type: "text", Text: b.Text}}, nil
	case anthropicwire.BlockImage:
		p, err := imagePart(b.Source, where)
		if err != nil {
			return nil, err
		}
		return []gateway.ContentPart{p}, nil
	case anthropicwire.BlockDocument:
		return documentParts(b, where)
	case anthropicwire.BlockThinking, anthropicwire.BlockRedactedThinking:
		return nil, nil
	case anthropicwire.BlockToolUse:
		return nil, gateway.Invalid("messages", "%s: tool_use blocks belong in assistant turns", where)
	}
	return nil, unsupportedBlock(where, b.Type)
}

// imagePart translates an image's source.
func imagePart(src *anthropicwire.Source, where string) (gateway.ContentPart, error) {
	if src == nil {
		return gateway.ContentPart{}, gateway.Invalid("messages", "%s.source is required", where)
	}
	switch src.Type {
	case sourceBase64:
		return gateway.ContentPart{Type: "image_url", ImageURL: &gateway.ImageURL{URL: dataURL(src.MediaType, src.Data)}}, nil
	case sourceURL:
		if src.URL == "" {
			return gateway.ContentPart{}, gateway.Invalid("messages", "%s.source.url is required", where)
		}
		return gateway.ContentPart{Type: "image_url", ImageURL: &gateway.ImageURL{URL: src.URL}}, nil
	}
	return gateway.ContentPart{}, unsupportedSource(where, src.Type)
}

// documentParts translates a document block.
func documentParts(b *anthropicwire.ContentBlock, where string) ([]gateway.ContentPart, error) {
	src := b.Source
	if src == nil {
		return nil, gateway.Invalid("messages", "%s.source is required", where)
	}
	switch src.Type {
	case sourceBase64:
		mediaType := src.MediaType
		if mediaType == "" {
			mediaType = pdfType
		}
		file, err := json.Marshal(struct {
			Filename string `json:"filename"`
			FileData string `json:"file_data"`
		}{filename(b.Title, mediaType), dataURL(mediaType, src.Data)})
		if err != nil {
			return nil, gateway.Internal(err)
		}
		return []gateway.ContentPart{{Type: "file", Extra: gateway.Extra{"file": file}}}, nil
	case sourceText:
		text := src.Data
		if b.Title != "" {
			text = b.Title + textSep + text
		}
		return []gateway.ContentPart{{Type: "text", Text: text}}, nil
	case sourceContent:
		var c anthropicwire.Content
		if err := json.Unmarshal(src.Content, &c); err != nil {
			return nil, gateway.Invalid("messages", "%s.source.content must be a string or a list of blocks", where)
		}
		var parts []gateway.ContentPart
		for k, inner := range c.AsBlocks() {
			if inner.Type != anthropicwire.BlockText && inner.Type != anthropicwire.BlockImage {
				return nil, gateway.Invalid("messages", "%s.source.content[%d] must be a text or image block", where, k)
			}
			p, err := contentParts(&inner, fmt.Sprintf("%s.source.content[%d]", where, k))
			if err != nil {
				return nil, err
			}
			parts = append(parts, p...)
		}
		return parts, nil
	}
	return nil, unsupportedSource(where, src.Type)
}

// unsupportedSource is the error for a source the canonical format cannot
// carry: Files API ids, PDFs by URL, unknown types.
func unsupportedSource(where, typ string) error {
	if typ == sourceFile || typ == sourceURL {
		return gateway.Invalid("messages", "%s: %q sources need an Anthropic upstream", where, typ)
	}
	return gateway.Invalid("messages", "%s.source.type %q is not supported", where, typ)
}

// dataURL returns base64 data as a data: URL.
func dataURL(mediaType, data string) string {
	return "data:" + mediaType + ";base64," + data
}

// filename names a document for OpenAI, which tells a file's kind by its
// extension: the title, with ".pdf" added to a PDF's when it lacks it.
func filename(title, mediaType string) string {
	if title == "" {
		title = "document"
	}
	if mediaType == pdfType && !strings.HasSuffix(strings.ToLower(title), ".pdf") {
		title += ".pdf"
	}
	return title
}
