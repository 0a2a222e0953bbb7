package httpx_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/tollgate-ai/tollgate/adapters/providers/internal/httpx"
)

type answer struct {
	ID string `json:"id"`
	N  []int  `json:"n"`
}

// TestDecodeWith checks that DecodeWith gives what Decode gives, value
// or error, whether its fast decoder takes the body or not, for bodies
// that are valid, malformed, or cut by a read error.
func TestDecodeWith(t *testing.T) {
	t.Parallel()
	bodies := []string{
		`{"id":"a","n":[1,2]}`,
		" {\"id\":\"a\"} \n",
		`{"id":"a"} {"id":"b"}`,
		`{"id":"a"} trailing`,
		`{"id":1}`,
		`{"id":"a"`,
		``,
		`[1]`,
		`{"id":"` + strings.Repeat("x", 9<<20) + `"}`, // past the fast path's limit
	}
	fast := map[string]func(v *answer) func([]byte) bool{
		"never": func(*answer) func([]byte) bool { return func([]byte) bool { return false } },
		"strict": func(v *answer) func([]byte) bool {
			return func(b []byte) bool { return json.Unmarshal(b, v) == nil }
		},
	}
	cut := errors.New("connection reset")
	for _, body := range bodies {
		for _, failAt := range []int{-1, 0, 5, len(body)} {
			open := func() io.ReadCloser {
				var r io.Reader = strings.NewReader(body)
				if failAt >= 0 {
					r = io.MultiReader(io.LimitReader(strings.NewReader(body), int64(failAt)), iotest.ErrReader(cut))
				}
				return io.NopCloser(iotest.HalfReader(r))
			}
			var want answer
			wantErr := (&httpx.Call{Resp: &http.Response{Body: open(), ContentLength: -1}}).Decode(context.Background(), &want)
			for name, f := range fast {
				var got answer
				c := &httpx.Call{Resp: &http.Response{Body: open(), ContentLength: int64(len(body))}}
				err := c.DecodeWith(context.Background(), &got, f(&got))
				if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
					t.Fatalf("%.40q cut at %d, fast %s: error %v; Decode's %v", body, failAt, name, err, wantErr)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%.40q cut at %d, fast %s: %+v; Decode's %+v", body, failAt, name, got, want)
				}
			}
		}
	}
}
