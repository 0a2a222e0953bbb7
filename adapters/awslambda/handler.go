package awslambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// ErrUnsupportedEvent is returned (wrapped) by Invoke for an event that is
// neither an API Gateway HTTP API event in payload format 2.0 nor a
// Function URL event: a REST API (1.0) event, a direct invocation, an SQS
// message, ...
var ErrUnsupportedEvent = errors.New("awslambda: not an HTTP event in payload format 2.0")

// Config configures a Handler. The zero Config answers every event
// buffered and runs nothing after the handler.
type Config struct {
	// Stream answers Function URL events with a streamed response. Set it
	// when, and only when, the function's URL has InvokeMode
	// RESPONSE_STREAM: a BUFFERED URL cannot read a stream, and a
	// RESPONSE_STREAM URL shows a buffered reply's JSON as the body. API
	// Gateway events are answered buffered either way.
	Stream bool
	// After, when set, runs once per invocation, after the http.Handler
	// has returned (or panicked) and before the invocation ends: before a
	// buffered response is returned, before a streamed body ends. It gets
	// the invocation's context. Lambda freezes the process once the
	// invocation ends, so this is where queues are flushed.
	After func(ctx context.Context)
}

// Handler serves an http.Handler to Lambda HTTP events; see the package
// doc for the translation. Make one with New and hand Invoke to
// lambda.Start. It is safe for concurrent use as far as the http.Handler
// is (Lambda sends one event at a time per process).
type Handler struct {
	next http.Handler
	cfg  Config
}

// New returns a Handler serving next as cfg says.
func New(next http.Handler, cfg Config) *Handler {
	return &Handler{next: next, cfg: cfg}
}

// Invoke handles one event of either kind: what lambda.Start takes. An API
// Gateway event gets an events.APIGatewayV2HTTPResponse; a Function URL
// event an events.LambdaFunctionURLResponse, or with Config.Stream an
// *events.LambdaFunctionURLStreamingResponse (which the Lambda runtime
// client sends as a stream, for its content type). It returns an error
// wrapping ErrUnsupportedEvent for other events, and an error for a body
// that is not base64 when it says it is, or a handler that panicked before
// writing; Lambda reports these as function errors.
func (h *Handler) Invoke(ctx context.Context, payload json.RawMessage) (any, error) {
	var probe struct {
		Version        string `json:"version"`
		RequestContext struct {
			DomainName string `json:"domainName"`
			HTTP       struct {
				Method string `json:"method"`
			} `json:"http"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(payload, &probe); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedEvent, err)
	}
	if probe.Version != "2.0" || probe.RequestContext.HTTP.Method == "" {
		return nil, fmt.Errorf("%w (version %q)", ErrUnsupportedEvent, probe.Version)
	}
	if isFunctionURL(probe.RequestContext.DomainName) {
		var e events.LambdaFunctionURLRequest
		if err := json.Unmarshal(payload, &e); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnsupportedEvent, err)
		}
		if h.cfg.Stream {
			return h.StreamFunctionURL(ctx, &e)
		}
		return h.ServeFunctionURL(ctx, &e)
	}
	var e events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedEvent, err)
	}
	return h.ServeHTTPAPI(ctx, &e)
}

// ServeHTTPAPI answers an API Gateway HTTP API event (payload format 2.0)
// with the handler's whole response.
func (h *Handler) ServeHTTPAPI(ctx context.Context, e *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	rp, err := h.buffered(ctx, fromHTTPAPI(e))
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: rp.status, Headers: rp.headers, Cookies: rp.cookies,
		Body: rp.body, IsBase64Encoded: rp.base64}, nil
}

// ServeFunctionURL answers a Function URL event (InvokeMode BUFFERED)
// with the handler's whole response.
func (h *Handler) ServeFunctionURL(ctx context.Context, e *events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	rp, err := h.buffered(ctx, fromFunctionURL(e))
	if err != nil {
		return events.LambdaFunctionURLResponse{}, err
	}
	return events.LambdaFunctionURLResponse{StatusCode: rp.status, Headers: rp.headers, Cookies: rp.cookies,
		Body: rp.body, IsBase64Encoded: rp.base64}, nil
}

func (h *Handler) buffered(ctx context.Context, e event) (reply, error) {
	r, err := e.request(ctx)
	if err != nil {
		return reply{}, err
	}
	w := newBuffer()
	err = h.serve(w, r)
	h.after(ctx)
	if err != nil {
		return reply{}, err
	}
	return w.reply(), nil
}

// serve runs the handler and turns a panic into an error.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("awslambda: %s %s: the handler panicked: %v", r.Method, r.URL.Path, p)
		}
	}()
	h.next.ServeHTTP(w, r)
	return nil
}

func (h *Handler) after(ctx context.Context) {
	if h.cfg.After != nil {
		h.cfg.After(ctx)
	}
}

// StreamFunctionURL answers a Function URL event (InvokeMode
// RESPONSE_STREAM) with a response whose Body the handler feeds while it
// runs: it returns as soon as the handler has written or flushed anything
// (or returned), with the status and headers of that moment. The body ends
// after the handler has returned and After has run; if the handler
// panicked after it began writing, reading the body fails with that error.
func (h *Handler) StreamFunctionURL(ctx context.Context, e *events.LambdaFunctionURLRequest) (*events.LambdaFunctionURLStreamingResponse, error) {
	r, err := fromFunctionURL(e).request(ctx)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	ready := make(chan head, 1)
	w := newStream(pw, ready)
	go func() {
		err := h.serve(w, r)
		if err == nil {
			w.commit() // a handler that wrote nothing still answers
			err = w.buf.Flush()
		}
		h.after(ctx)
		if err != nil && !w.committed {
			ready <- head{err: err}
		}
		// Closing last ends the body, and with it the invocation, only
		// once After is done: the runtime is still reading until now.
		_ = pw.CloseWithError(err)
	}()
	hd := <-ready
	if hd.err != nil {
		return nil, hd.err
	}
	headers, cookies := split(hd.header)
	return &events.LambdaFunctionURLStreamingResponse{StatusCode: hd.status, Headers: headers, Cookies: cookies, Body: pr}, nil
}
