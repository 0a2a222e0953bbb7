package awslambda_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/awslambda"
)

// fixture reads testdata/name: an event as Lambda delivers it.
func fixture(t testing.TB, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seen is what a recording handler saw of its request.
type seen struct {
	method, path, rawPath, query, uri, host, remote, proto string
	header                                                 http.Header
	body                                                   []byte
	ctxValue                                               any
}

type ctxKey struct{}

// record returns a handler that keeps its request in s and answers with
// reply.
func record(s *seen, reply http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		*s = seen{method: r.Method, path: r.URL.Path, rawPath: r.URL.RawPath, query: r.URL.RawQuery, uri: r.RequestURI,
			host: r.Host, remote: r.RemoteAddr, proto: r.Proto, header: r.Header, body: body, ctxValue: r.Context().Value(ctxKey{})}
		reply(w, r)
	})
}

func TestHTTPAPIEvent(t *testing.T) {
	is := is.New(t)
	var s seen
	afters := 0
	h := awslambda.New(record(&s, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Vary", "Origin")
		w.Header().Add("Vary", "Accept")
		w.Header().Add("Set-Cookie", "a=1; Path=/")
		w.Header().Add("Set-Cookie", "b=2; HttpOnly")
		w.WriteHeader(http.StatusCreated)
		w.Header().Set("X-Late", "ignored") // after the status, as on a server
		_, _ = io.WriteString(w, `{"ok":true}`)
	}), awslambda.Config{Stream: true, After: func(context.Context) { afters++ }})

	ctx := context.WithValue(context.Background(), ctxKey{}, "invocation")
	out, err := h.Invoke(ctx, fixture(t, "httpapi-post.json"))
	is.NoErr(err)
	resp, ok := out.(events.APIGatewayV2HTTPResponse) // buffered, though Stream is set
	is.True(ok)

	is.Equal(s.method, "POST")
	is.Equal(s.path, "/my/path/encoded/x")
	is.Equal(s.rawPath, "/my/path%2Fencoded/x")
	is.Equal(s.uri, "/my/path%2Fencoded/x?parameter1=value1&parameter1=value2&parameter2=value")
	is.Equal(s.query, "parameter1=value1&parameter1=value2&parameter2=value")
	is.Equal(s.host, "id.execute-api.us-east-1.amazonaws.com")
	is.Equal(s.remote, "192.0.2.1:0")
	is.Equal(s.proto, "HTTP/1.1")
	is.Equal(s.header.Get("Header2"), "value1,value2")
	is.Equal(s.header.Get("Cookie"), "cookie1=a; cookie2=b")
	is.Equal(s.header.Get("X-Forwarded-Proto"), "https")
	is.Equal(s.header.Get("Host"), "") // in r.Host only, as on a server
	is.Equal(string(s.body), "Hello from Lambda")
	is.Equal(s.ctxValue, "invocation") // the request runs under the invocation's context

	is.Equal(resp.StatusCode, http.StatusCreated)
	is.Equal(resp.Headers["Content-Type"], "application/json")
	is.Equal(resp.Headers["Vary"], "Origin, Accept")
	is.Equal(resp.Headers["X-Late"], "")
	is.Equal(resp.Cookies, []string{"a=1; Path=/", "b=2; HttpOnly"})
	is.Equal(resp.Body, `{"ok":true}`)
	is.True(!resp.IsBase64Encoded)
	is.Equal(afters, 1)

	// What Lambda sends back to API Gateway.
	b, err := json.Marshal(out)
	is.NoErr(err)
	var wire map[string]any
	is.NoErr(json.Unmarshal(b, &wire))
	is.Equal(wire["statusCode"], 201.0)
	is.Equal(wire["body"], `{"ok":true}`)
}

func TestBinaryBodies(t *testing.T) {
	is := is.New(t)
	var s seen
	h := awslambda.New(record(&s, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte{0x89, 'P', 'N', 'G', 0})
	}), awslambda.Config{})
	out, err := h.Invoke(context.Background(), fixture(t, "httpapi-binary.json"))
	is.NoErr(err)
	resp := out.(events.APIGatewayV2HTTPResponse)
	is.Equal(s.method, "PUT")
	is.Equal(s.body, []byte{0x00, 0xff, 0xfe, 0x80}) // decoded from base64
	is.Equal(s.remote, "[2001:db8::7]:0")
	is.Equal(s.host, "files.example.com")
	is.True(resp.IsBase64Encoded)
	raw, err := base64.StdEncoding.DecodeString(resp.Body)
	is.NoErr(err)
	is.Equal(raw, []byte{0x89, 'P', 'N', 'G', 0})
}

func TestDefaults(t *testing.T) {
	is := is.New(t)
	// A handler that writes nothing answers 200 with an empty body.
	h := awslambda.New(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), awslambda.Config{})
	out, err := h.Invoke(context.Background(), fixture(t, "httpapi-binary.json"))
	is.NoErr(err)
	resp := out.(events.APIGatewayV2HTTPResponse)
	is.Equal(resp.StatusCode, http.StatusOK)
	is.Equal(resp.Body, "")
	is.True(!resp.IsBase64Encoded)
}

func TestFunctionURLBuffered(t *testing.T) {
	is := is.New(t)
	var s seen
	h := awslambda.New(record(&s, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: 1\n\n")
		w.(http.Flusher).Flush() // a buffered reply takes flushes and sends everything at the end
		_, _ = io.WriteString(w, "data: 2\n\n")
	}), awslambda.Config{})
	out, err := h.Invoke(context.Background(), fixture(t, "function-url-post.json"))
	is.NoErr(err)
	resp, ok := out.(events.LambdaFunctionURLResponse)
	is.True(ok)
	is.Equal(s.path, "/my/path")
	is.Equal(s.remote, "123.123.123.123:0")
	is.Equal(s.header.Get("Cookie"), "cookie1=a; cookie2=b")
	is.Equal(string(s.body), "Hello from client!")
	is.Equal(resp.Body, "data: 1\n\ndata: 2\n\n")
}

func TestUnsupportedEvents(t *testing.T) {
	h := awslambda.New(http.NotFoundHandler(), awslambda.Config{})
	for name, payload := range map[string]json.RawMessage{
		"RESTAPIv1": fixture(t, "rest-api-v1.json"),
		"NotJSON":   json.RawMessage(`"hello"`),
		"Empty":     json.RawMessage(`{}`),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := h.Invoke(context.Background(), payload)
			if !errors.Is(err, awslambda.ErrUnsupportedEvent) {
				t.Fatalf("err = %v, want ErrUnsupportedEvent", err)
			}
		})
	}
}

func TestPanicBuffered(t *testing.T) {
	is := is.New(t)
	afters := 0
	h := awslambda.New(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }),
		awslambda.Config{After: func(context.Context) { afters++ }})
	_, err := h.Invoke(context.Background(), fixture(t, "httpapi-post.json"))
	is.True(err != nil) // the invocation fails; the process goes on
	is.Equal(afters, 1)
}
