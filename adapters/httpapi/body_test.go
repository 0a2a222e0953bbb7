package httpapi_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/httpapi"
)

// rawRequest sends a hand-written HTTP/1.1 request, so that the body can
// be framed in ways net/http's client never produces, and returns the
// answer's status and body.
func rawRequest(t *testing.T, f *fixture, method, path, token, headers, body string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := method + " " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n" + headers + "\r\n" + body
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestUnreadableBody checks that a body the client framed wrongly is its
// mistake, 400, on every route that reads one (it was a 500, logged as a
// server failure, where the body was read whole before decoding).
func TestUnreadableBody(t *testing.T) {
	t.Parallel()
	f := newFixture(t, httpapi.Config{SessionSecret: []byte("0123456789abcdef0123456789abcdef")})
	const chunked = "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
	const badBody = "5\r\n{\"mod\r\nZZ\r\n" // "ZZ" is not a chunk size
	for _, tc := range []struct{ path, token string }{
		{"/v1/chat/completions", f.key},
		{"/v1/messages", f.key},
		{"/v1/messages/count_tokens", f.key},
		{"/admin/login", adminKey},
		{"/admin/providers/broken/credentials", adminKey},
	} {
		status, body := rawRequest(t, f, "POST", tc.path, tc.token, chunked, badBody)
		if status != http.StatusBadRequest {
			t.Errorf("%s: a malformed body answered %d %s, want 400", tc.path, status, body)
		}
	}
}

// TestOptionalBodyEmptyChunked checks that an optional body sent empty
// without a Content-Length (chunked) is no body, as with Content-Length: 0.
func TestOptionalBodyEmptyChunked(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t, httpapi.Config{})
	var creds struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	resp := f.do(t, "GET", "/admin/providers/broken/credentials", adminKey, "")
	is.NoErr(json.NewDecoder(resp.Body).Decode(&creds))
	is.True(len(creds.Data) > 0)
	path := "/admin/credentials/" + creds.Data[0].ID
	status, body := rawRequest(t, f, "POST", path+"/disable", adminKey, "Content-Length: 0\r\n", "")
	is.Equal(status, http.StatusOK) // an empty body with a length
	status, body = rawRequest(t, f, "POST", path+"/enable", adminKey, "Transfer-Encoding: chunked\r\n", "0\r\n\r\n")
	is.Equal(status, http.StatusOK) // and without one
	status, body = rawRequest(t, f, "POST", path+"/disable", adminKey, "Transfer-Encoding: chunked\r\n", "3\r\n  \n\r\n0\r\n\r\n")
	is.Equal(status, http.StatusOK) // blank is empty too
	status, body = rawRequest(t, f, "POST", path+"/enable", adminKey, "Transfer-Encoding: chunked\r\n", "1\r\n[\r\n0\r\n\r\n")
	is.Equal(status, http.StatusBadRequest) // a body there is must be JSON
	is.True(strings.Contains(body, "not valid JSON"))
}
