package httpx

import (
	"net/http"
	"testing"
)

func TestExpectEventStream(t *testing.T) {
	for ct, ok := range map[string]bool{
		"text/event-stream":                 true,
		"text/event-stream; charset=utf-8":  true,
		"Text/Event-Stream;charset=UTF-8":   true,
		"text/event-stream ; charset=utf-8": true, // parsed the long way
		"text/event-streams":                false,
		"application/json":                  false,
		"":                                  false,
		"text/event":                        false,
	} {
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {ct}}, Body: http.NoBody}
		if err := ExpectEventStream("p", resp); (err == nil) != ok {
			t.Errorf("%q: %v", ct, err)
		}
	}
}
