package httpapi

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/gateway"
)

// TestDecodeChatAgreesWithDecode checks that decodeChat, which reads
// the body whole, answers every body as decode's json.Decoder does:
// the same request, or the same error.
func TestDecodeChatAgreesWithDecode(t *testing.T) {
	const limit = 128
	for _, body := range []string{
		`{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"a":1}}`,
		` {"model":"m","messages":[]}` + "\n",
		`{"model":"m","messages":[]} {"trailing":"value"}`,
		`{"model":"m","messages":[]} not json`,
		`{"model":"m","messages":[{"role":"user","content":"hi"}]}` + strings.Repeat(" ", 2*limit),
		`{"model":"m","messages":[{"role":"user","content":"` + strings.Repeat("x", 2*limit) + `"}]}`,
		`{"model":`,
		`{"model":1}`,
		`[]`,
		``,
		`   `,
	} {
		newReq := func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body))
			r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, limit)
			return r
		}
		var want, got gateway.ChatRequest
		wantErr := decode(newReq(), &want, false)
		gotErr := decodeChat(newReq(), &got)
		if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
			t.Errorf("%q: error %v, want %v", body, gotErr, wantErr)
			continue
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%q: decoded %#v, want %#v", body, got, want)
		}
	}
}
