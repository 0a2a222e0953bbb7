package awslambda

import (
	"bytes"
	"encoding/base64"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

// buffer is the http.ResponseWriter of a buffered response: it keeps the
// status, the headers as they were when the status was written, and the
// whole body. Flush does nothing but fix the status and headers.
type buffer struct {
	header http.Header
	sent   http.Header // header when the status was written
	status int
	body   bytes.Buffer
}

var _ http.Flusher = (*buffer)(nil)

func newBuffer() *buffer { return &buffer{header: make(http.Header)} }

func (w *buffer) Header() http.Header { return w.header }

func (w *buffer) WriteHeader(code int) {
	if w.status != 0 || (code >= 100 && code < 200 && code != http.StatusSwitchingProtocols) {
		return // a second status, or an informational one, is not the response's
	}
	w.status = code
	w.sent = w.header.Clone()
}

func (w *buffer) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

func (w *buffer) Flush() { w.WriteHeader(http.StatusOK) }

// reply is a response in payload format 2.0 terms.
type reply struct {
	status  int
	headers map[string]string
	cookies []string
	body    string
	base64  bool
}

// reply returns the response written so far; a handler that wrote nothing
// answered 200 with no body, as on a net/http server.
func (w *buffer) reply() reply {
	w.WriteHeader(http.StatusOK)
	headers, cookies := split(w.sent)
	out := reply{status: w.status, headers: headers, cookies: cookies}
	b := w.body.Bytes()
	if isText(w.sent.Get("Content-Type"), b) {
		out.body = string(b)
	} else {
		out.body, out.base64 = base64.StdEncoding.EncodeToString(b), true
	}
	return out
}

// split turns h into payload 2.0 headers: one value per name, several
// joined by ", ", and every Set-Cookie apart.
func split(h http.Header) (map[string]string, []string) {
	var cookies []string
	headers := make(map[string]string, len(h))
	for k, v := range h {
		if k == "Set-Cookie" {
			cookies = append(cookies, v...)
			continue
		}
		headers[k] = strings.Join(v, ", ")
	}
	return headers, cookies
}

// isText reports whether body may travel as a JSON string unchanged: valid
// UTF-8 of a textual media type (or of none). Everything else goes base64,
// which API Gateway and Function URLs decode before the client sees it.
func isText(contentType string, body []byte) bool {
	if !utf8.Valid(body) {
		return false
	}
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	for _, s := range []string{"json", "xml", "javascript", "x-www-form-urlencoded", "yaml", "graphql"} {
		if strings.Contains(mt, s) {
			return true
		}
	}
	return false
}
