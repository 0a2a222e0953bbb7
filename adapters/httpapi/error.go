package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/tollgate-ai/tollgate/gateway"
)

// statuses is the one Code→status table of Tollgate.
var statuses = map[gateway.Code]int{
	gateway.CodeInvalid:         http.StatusBadRequest,
	gateway.CodeUnauthenticated: http.StatusUnauthorized,
	gateway.CodeNoCredits:       http.StatusPaymentRequired,
	gateway.CodeForbidden:       http.StatusForbidden,
	gateway.CodeNotFound:        http.StatusNotFound,
	gateway.CodeConflict:        http.StatusConflict,
	gateway.CodeRateLimited:     http.StatusTooManyRequests,
	gateway.CodeCanceled:        499, // nginx's "client closed request"
	gateway.CodeInternal:        http.StatusInternalServerError,
	gateway.CodeUpstream:        http.StatusBadGateway,
	gateway.CodeUnavailable:     http.StatusServiceUnavailable,
	gateway.CodeUpstreamTimeout: http.StatusGatewayTimeout,
}

// errorTypes are the OpenAI error types clients and SDKs switch on.
var errorTypes = map[gateway.Code]string{
	gateway.CodeInvalid:         "invalid_request_error",
	gateway.CodeUnauthenticated: "authentication_error",
	gateway.CodeNoCredits:       "insufficient_quota",
	gateway.CodeForbidden:       "permission_error",
	gateway.CodeNotFound:        "invalid_request_error",
	gateway.CodeConflict:        "invalid_request_error",
	gateway.CodeRateLimited:     "rate_limit_error",
	gateway.CodeCanceled:        "invalid_request_error",
	gateway.CodeInternal:        "server_error",
	gateway.CodeUpstream:        "upstream_error",
	gateway.CodeUnavailable:     "server_error",
	gateway.CodeUpstreamTimeout: "upstream_error",
}

// StatusCode returns the HTTP status for an error's code: 500 for errors
// that are not a *gateway.Error.
func StatusCode(err error) int {
	if s, ok := statuses[gateway.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorBody is the OpenAI error shape.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// toBody turns err into its status and OpenAI-shaped body.
func toBody(err error) (int, errorBody) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		msg := "the request body is larger than " + strconv.FormatInt(tooLarge.Limit, 10) + " bytes"
		code := "request_too_large"
		return http.StatusRequestEntityTooLarge, errorBody{errorDetail{Message: msg, Type: "invalid_request_error", Code: &code}}
	}
	e := gateway.AsError(err)
	d := errorDetail{Message: e.Message, Type: errorTypes[e.Code]}
	if d.Type == "" {
		d.Type = "server_error"
	}
	if e.Field != "" {
		d.Param = &e.Field
	}
	code := e.Type
	if code == "" {
		code = string(e.Code)
	}
	d.Code = &code
	return StatusCode(err), errorBody{d}
}

// writeError writes err as JSON with its status. Internal errors are
// logged with their cause; the client sees only "internal error".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := toBody(err)
	s.writeErrorAs(w, r, err, status, body)
}

// writeErrorAs writes err's status and Retry-After with body, an error in
// some API's own shape, and logs internal errors.
func (s *Server) writeErrorAs(w http.ResponseWriter, r *http.Request, err error, status int, body any) {
	if status >= 500 && gateway.ErrorCode(err) == gateway.CodeInternal {
		s.cfg.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var e *gateway.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		secs := int64((e.RetryAfter + 999_999_999) / 1_000_000_000)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	writeJSON(w, status, body)
}

// writeJSON writes v with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	writeEncoded(w, status, b, err)
}

// answerBuffers holds the buffers whole answers are encoded into.
var answerBuffers = sync.Pool{New: func() any { return new([]byte) }}

// writeChatResponse writes a whole answer as writeJSON would, encoded
// in one pass rather than by reflection.
func writeChatResponse(w http.ResponseWriter, resp *gateway.ChatResponse) {
	p := answerBuffers.Get().(*[]byte)
	b, err := gateway.AppendChatResponse((*p)[:0], resp)
	writeEncoded(w, http.StatusOK, b, err)
	if cap(b) <= 64<<10 { // do not keep one huge answer's buffer
		*p = b
		answerBuffers.Put(p)
	}
}

// writeEncoded writes b, v encoded by json.Marshal or as json.Marshal
// would, with the status; err is the encoding's error.
func writeEncoded(w http.ResponseWriter, status int, b []byte, err error) {
	if err != nil {
		slog.Error("encode response", "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"message":"internal error","type":"server_error","param":null,"code":"internal"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
