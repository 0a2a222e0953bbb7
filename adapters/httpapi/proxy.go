package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// proxy serves /proxy/{provider}/{path...}: the provider's own API, with
// a Tollgate key where that provider's clients put theirs. The path after
// the provider's name is relative to the base URL of the provider's SDK,
// so a client changes only its base URL and key.
//
// httputil.ReverseProxy does the HTTP work (hop-by-hop headers, streaming
// with a flush per write for event streams, trailers); its transport is
// the Gateway, which authenticates nothing itself but limits, routes,
// swaps credentials, fails over, meters and records.
func (s *Server) proxy(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["provider"]
	kind, _ := s.gw.ProviderType(name)
	c, err := s.caller(r, proxyKey(r))
	if err != nil {
		s.writeProxyError(w, r, kind, err)
		return
	}
	rest, err := url.Parse(strings.TrimPrefix(r.URL.EscapedPath(), "/proxy/"+url.PathEscape(name)))
	if err != nil || !strings.HasPrefix(rest.Path, "/") && rest.Path != "" {
		s.writeProxyError(w, r, kind, gateway.Errorf(gateway.CodeInvalid, "the path after the provider's name is not valid"))
		return
	}
	s.serveProxy(w, r, c, name, kind, rest)
}

// serveProxy passes r through to the provider called name, at path (and
// r's query), for caller c.
func (s *Server) serveProxy(w http.ResponseWriter, r *http.Request, c *gateway.Caller, name, kind string, path *url.URL) {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = &url.URL{Path: path.Path, RawPath: path.RawPath, RawQuery: pr.In.URL.RawQuery}
			if pr.Out.URL.Path == "" {
				pr.Out.URL.Path = "/"
			}
			pr.Out.Host = ""
			pr.Out.Header.Del("X-Tollgate-Namespace")
			pr.Out.Header.Del("X-Request-Id")
		},
		Transport: roundTripFunc(func(out *http.Request) (*http.Response, error) {
			resp, err := s.gw.Proxy(out.Context(), c, name, out)
			requestHeaders(w, c)
			return resp, err
		}),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.writeProxyError(w, r, kind, err)
		},
		ErrorLog: slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelDebug),
	}
	rp.ServeHTTP(w, r)
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// proxyKey finds the client's Tollgate key where provider SDKs send theirs:
// Authorization: Bearer (OpenAI and most), x-api-key (Anthropic),
// x-goog-api-key or ?key= (Gemini), api-key (Azure).
func proxyKey(r *http.Request) string {
	if k := bearer(r); k != "" {
		return k
	}
	for _, h := range []string{"X-Api-Key", "X-Goog-Api-Key", "Api-Key"} {
		if k := strings.TrimSpace(r.Header.Get(h)); k != "" {
			return k
		}
	}
	return r.URL.Query().Get("key")
}

// writeProxyError answers in the error format of the provider's own API,
// so its SDK reports Tollgate's refusals as it reports the provider's:
// Anthropic's {"type":"error","error":{...}}, Google's
// {"error":{"code","message","status"}}, else OpenAI's.
func (s *Server) writeProxyError(w http.ResponseWriter, r *http.Request, kind string, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client left; the Gateway recorded it
	}
	status, body := toBody(err)
	msg := body.Error.Message
	switch kind {
	case "anthropic":
		s.writeErrorAs(w, r, err, status, anthropicwire.NewError(status, msg))
	case "gemini":
		s.writeErrorAs(w, r, err, status, googleError{Error: googleErrorDetail{Code: status, Message: msg, Status: googleStatus(status)}})
	default:
		s.writeError(w, r, err)
	}
}

// googleError is the error body of Google's APIs.
type googleError struct {
	Error googleErrorDetail `json:"error"`
}

type googleErrorDetail struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
}

// googleStatus is the google.rpc.Code name Google's APIs give a status.
func googleStatus(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		return "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusPaymentRequired, http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	case 499:
		return "CANCELLED"
	case http.StatusGatewayTimeout:
		return "DEADLINE_EXCEEDED"
	case http.StatusServiceUnavailable, http.StatusBadGateway:
		return "UNAVAILABLE"
	}
	return "INTERNAL"
}
