package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// runtimeAPI is a fake of the Lambda Runtime API (2018-06-01) on
// 127.0.0.1, speaking what aws-lambda-go's client (lambda/runtime_api_client.go)
// speaks: GET .../invocation/next hands out one queued event with the
// invocation headers; POST .../invocation/{id}/response takes a buffered
// reply, or a streamed one (Transfer-Encoding: chunked, Content-Type
// application/vnd.awslambda.http-integration-response, a JSON prelude, 8
// NUL bytes, the body, and on failure the Lambda-Runtime-Function-Error-Type
// and -Body trailers); POST .../invocation/{id}/error takes a function
// error. Every POST is answered 202, as Lambda does.
type runtimeAPI struct {
	t      *testing.T
	addr   string
	queue  chan invocation
	mu     sync.Mutex
	seq    int
	posted map[string]chan *delivery
	// extensions are the names of the registered extensions.
	extensions []string
}

type invocation struct {
	id      string
	payload []byte
}

// delivery is what the function POSTed for one invocation. Body is read
// while the function is still sending; call Done when finished with it.
type delivery struct {
	Kind    string // "response" or "error"
	At      time.Time
	Header  http.Header
	Chunked bool
	Body    io.Reader
	trailer http.Header
	done    chan struct{}
}

// Trailer returns the trailers the function sent; valid once Body is
// read to its end.
func (d *delivery) Trailer() http.Header { return d.trailer }

// Done lets the runtime answer the POST.
func (d *delivery) Done() { close(d.done) }

func newRuntimeAPI(t *testing.T) *runtimeAPI {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rt := &runtimeAPI{t: t, addr: ln.Addr().String(), queue: make(chan invocation, 16), posted: make(map[string]chan *delivery)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", rt.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", rt.post("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", rt.post("error"))
	// The Extensions API, as far as lambda.WithEnableSIGTERM uses it: it
	// registers an extension that takes no events, so that Lambda sends
	// SIGTERM before ending the process.
	mux.HandleFunc("POST /2020-01-01/extension/register", func(w http.ResponseWriter, r *http.Request) {
		rt.mu.Lock()
		rt.extensions = append(rt.extensions, r.Header.Get("Lambda-Extension-Name"))
		rt.mu.Unlock()
		w.Header().Set("Lambda-Extension-Identifier", "e2b8c7f0-0000-4000-8000-000000000001")
		_, _ = io.WriteString(w, `{"functionName":"tollgate","functionVersion":"$LATEST","handler":"bootstrap"}`)
	})
	mux.HandleFunc("GET /2020-01-01/extension/event/next", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // no events were asked for: it waits for the end
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return rt
}

// Invoke queues an event and returns its request id.
func (rt *runtimeAPI) Invoke(payload []byte) string {
	rt.mu.Lock()
	rt.seq++
	id := fmt.Sprintf("8476a536-e9f4-11e8-9739-%012d", rt.seq)
	rt.posted[id] = make(chan *delivery, 1)
	rt.mu.Unlock()
	rt.queue <- invocation{id: id, payload: payload}
	return id
}

// Await returns what the function POSTed for invocation id.
func (rt *runtimeAPI) Await(id string, timeout time.Duration) *delivery {
	rt.t.Helper()
	rt.mu.Lock()
	ch := rt.posted[id]
	rt.mu.Unlock()
	select {
	case d := <-ch:
		return d
	case <-time.After(timeout):
		rt.t.Fatalf("invocation %s: no answer within %s", id, timeout)
		return nil
	}
}

func (rt *runtimeAPI) next(w http.ResponseWriter, r *http.Request) {
	var inv invocation
	select {
	case inv = <-rt.queue:
	case <-r.Context().Done():
		return // the function went away
	}
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:tollgate")
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1")
	h.Set("Content-Type", "application/json")
	_, _ = w.Write(inv.payload)
}

func (rt *runtimeAPI) post(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		rt.mu.Lock()
		ch, ok := rt.posted[id]
		rt.mu.Unlock()
		if !ok {
			rt.t.Errorf("POST %s for an unknown invocation %q", kind, id)
			http.Error(w, "unknown invocation", http.StatusBadRequest)
			return
		}
		d := &delivery{Kind: kind, At: time.Now(), Header: r.Header.Clone(), Body: r.Body, done: make(chan struct{})}
		for _, te := range r.TransferEncoding {
			d.Chunked = d.Chunked || te == "chunked"
		}
		d.trailer = r.Trailer
		ch <- d
		select {
		case <-d.done:
		case <-time.After(time.Minute):
			rt.t.Errorf("invocation %s: the test never finished with the %s", id, kind)
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`)
	}
}
