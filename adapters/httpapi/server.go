package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// Config tunes a Server. Zero fields take the documented defaults.
type Config struct {
	// AdminKeyDigest is the digest (gateway.Admin.KeyDigest) of the admin
	// key; empty switches the admin API off.
	AdminKeyDigest string
	// MaxBodyBytes bounds request bodies. Default 16 MiB.
	MaxBodyBytes int64
	// Logger receives errors that are not the client's. Default
	// slog.Default().
	Logger *slog.Logger
	// InternalKeyDigest is the digest of the key other components use for
	// /internal routes (POST /internal/alerts/report); empty switches
	// them off.
	InternalKeyDigest string
	// Checks are the dependencies /readyz reports on, by name ("store",
	// "cache"); each returns nil when its dependency answers.
	Checks map[string]func(context.Context) error
	// SessionSecret is the HMAC key of admin sessions: POST /admin/login
	// trades the admin key for a JWT (HS256) that every /admin route
	// accepts as Authorization: Bearer <token> until it expires. Tokens are
	// signed with a key derived from it and the admin key digest, so
	// changing the admin key ends every session. Servers given the same
	// secret and admin key accept each other's tokens. Empty switches
	// sessions off: /admin/login answers 404 sessions_not_enabled and only
	// the admin key itself is accepted.
	SessionSecret []byte
	// SessionTTL is how long a session token lasts, in whole seconds.
	// Default 12h (DefaultSessionTTL).
	SessionTTL time.Duration
	// Now is the clock of session tokens. Default time.Now.
	Now func() time.Time
	// Authenticate, when set, authenticates client requests before
	// Tollgate keys are looked at: a service maps its own users or
	// sessions to accounts (see gateway.Gateway.CallerFor). A nil caller
	// and nil error fall back to Tollgate keys; an error refuses the
	// request.
	Authenticate func(*http.Request) (*gateway.Caller, error)
	// Surfaces are the parts of the API served; zero serves them all.
	Surfaces Surface
	// Metrics, when set, serves GET /metrics (the Prometheus exposition
	// of adapters/metrics). It is not behind admin authentication, so
	// that Prometheus can scrape it: keep it off the public internet (a
	// network policy, or a proxy that does not forward /metrics). Nil
	// leaves /metrics unrouted (404).
	Metrics http.Handler
}

// Surface is a part of the HTTP API, for Config.Surfaces.
type Surface uint8

// The surfaces of the API.
const (
	// SurfaceOpenAI is /v1 in OpenAI's format (chat, embeddings, models,
	// keys, logs, balance, coupons, realtime).
	SurfaceOpenAI Surface = 1 << iota
	// SurfaceAnthropic is /v1/messages in Anthropic's format.
	SurfaceAnthropic
	// SurfacePassThrough is /proxy/{provider}/...
	SurfacePassThrough
	// SurfaceAdmin is /admin and /internal.
	SurfaceAdmin
	// SurfaceAll is every surface.
	SurfaceAll = SurfaceOpenAI | SurfaceAnthropic | SurfacePassThrough | SurfaceAdmin
)

func (s *Server) serves(x Surface) bool { return s.cfg.Surfaces&x != 0 }

// Server serves the HTTP API of one Gateway. It is an http.Handler, safe
// for concurrent use.
type Server struct {
	cfg    Config
	gw     *gateway.Gateway
	admin  *gateway.Admin
	router *mux.Router
	// posts are the handlers of the requests that carry the traffic (POST
	// /v1/chat/completions and the like), by path: ServeHTTP finds them
	// with one map lookup rather than the router's walk of its routes'
	// regular expressions, a twentieth of the gateway's own time before
	// the upstream call at concurrency 1 (5.8 of 60 µs measured). The
	// router has them too and serves every other form of the path.
	posts    map[string]http.Handler
	draining atomic.Bool
}

// New returns a Server for gw and its admin.
func New(cfg Config, gw *gateway.Gateway, admin *gateway.Admin) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 16 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Surfaces == 0 {
		cfg.Surfaces = SurfaceAll
	}
	s := &Server{cfg: cfg, gw: gw, admin: admin, router: mux.NewRouter(), posts: map[string]http.Handler{}}
	s.routes()
	return s
}

func (s *Server) routes() {
	r := s.router
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, &gateway.Error{Code: gateway.CodeNotFound, Type: "unknown_url", Message: "Invalid URL (" + r.Method + " " + r.URL.Path + ")"})
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{errorDetail{Message: "method " + r.Method + " is not allowed on " + r.URL.Path, Type: "invalid_request_error"}})
	})
	r.HandleFunc("/healthz", s.healthz).Methods(http.MethodGet)
	r.HandleFunc("/readyz", s.readyz).Methods(http.MethodGet)
	if s.cfg.Metrics != nil {
		r.Handle("/metrics", s.cfg.Metrics).Methods(http.MethodGet)
	}

	v1 := r.PathPrefix("/v1").Subrouter()
	if s.serves(SurfaceAnthropic) {
		s.post(v1, "/v1", "/messages", s.messages)
		v1.HandleFunc("/messages/count_tokens", s.countTokens).Methods(http.MethodPost)
	}
	if s.serves(SurfaceOpenAI) {
		s.post(v1, "/v1", "/chat/completions", s.client(s.chatCompletions))
		s.post(v1, "/v1", "/embeddings", s.client(s.embeddings))
		v1.HandleFunc("/balance", s.client(s.ownBalance)).Methods(http.MethodGet)
		v1.HandleFunc("/coupons/redeem", s.client(s.redeemCoupon)).Methods(http.MethodPost)
		v1.HandleFunc("/models", s.client(s.listModels)).Methods(http.MethodGet)
		v1.HandleFunc("/models/{id:.+}", s.client(s.getModel)).Methods(http.MethodGet)
		s.accountRoutes(v1)
	}
	if s.serves(SurfacePassThrough) {
		r.PathPrefix("/proxy/{provider}").HandlerFunc(s.proxy)
	}
	if s.serves(SurfaceAdmin) {
		s.adminRoutes(r.PathPrefix("/admin").Subrouter())
		r.HandleFunc("/internal/alerts/report", s.internalOnly(s.reportAlert)).Methods(http.MethodPost)
		r.HandleFunc("/admin/login", s.login).Methods(http.MethodPost) // after the subrouter, so GET is 405, not 404
	}
}

// post routes POST prefix+path to h, in the router r (of prefix) and in
// the map ServeHTTP looks in first.
func (s *Server) post(r *mux.Router, prefix, path string, h http.HandlerFunc) {
	r.HandleFunc(path, h).Methods(http.MethodPost)
	s.posts[prefix+path] = h
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	// Every answer names its request, errors included, by an id the
	// gateway made: a request's id keys its hold, its settlement and its
	// ledger entry, so one a client chose, and could send again, would
	// make its next requests free. A safe id the client sent comes back
	// as X-Client-Request-Id and is kept in the request's record. The
	// request's headers carry both on to the Caller (see caller).
	var id string
	if s.gw != nil {
		id = s.gw.NewRequestID()
	} else {
		id = gateway.RandomIDs{}.NewID("req_")
	}
	if client := r.Header.Get("X-Request-Id"); client != "" && safeRequestID.MatchString(client) {
		w.Header()["X-Client-Request-Id"] = []string{client}
		r.Header["X-Client-Request-Id"] = []string{client}
	} else {
		delete(r.Header, "X-Client-Request-Id") // only ever the one checked here
	}
	r.Header["X-Request-Id"] = []string{id}
	w.Header()["X-Request-Id"] = []string{id}
	if r.Header.Get("Traceparent") != "" {
		// Join the caller's trace (W3C trace context), when the host set
		// a propagator: tracing on.
		r = r.WithContext(otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header)))
	}
	var h http.Handler = s.router
	if r.Method == http.MethodPost {
		if p, ok := s.posts[r.URL.Path]; ok {
			h = p
		}
	}
	if !s.cfg.Logger.Enabled(r.Context(), slog.LevelDebug) {
		h.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	h.ServeHTTP(sw, r)
	// The access log names the route, never a header or a body: no key
	// can reach it.
	s.cfg.Logger.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
		"duration_ms", float64(time.Since(start).Microseconds())/1000, "request_id", w.Header().Get("X-Request-Id"))
}

// statusWriter remembers the status for the access log; Unwrap keeps
// flushing (SSE) working through http.ResponseController.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Drain makes /readyz fail, so a load balancer stops sending new requests
// while the host finishes the ones in flight.
func (s *Server) Drain() { s.draining.Store(true) }

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readiness is the body of /readyz.
type readiness struct {
	Status string            `json:"status"` // ready, degraded or draining
	Checks map[string]string `json:"checks,omitempty"`
}

// readyz answers 503 while draining. A dependency that does not answer
// makes it "degraded" but still 200: the gateway keeps serving from its
// last configuration snapshot, and when every instance shares the failed
// dependency, taking them all out of the load balancer would turn a
// degradation into an outage. The cause is logged, never shown.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, readiness{Status: "draining"})
		return
	}
	out := readiness{Status: "ready", Checks: make(map[string]string, len(s.cfg.Checks))}
	for name, check := range s.cfg.Checks {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		err := check(ctx)
		cancel()
		if err != nil {
			s.cfg.Logger.Warn("readiness check failed", "check", name, "err", err)
			out.Status, out.Checks[name] = "degraded", "unreachable"
			continue
		}
		out.Checks[name] = "ok"
	}
	writeJSON(w, http.StatusOK, out)
}

// client wraps a /v1 handler with client-key authentication, or the
// anonymous caller of a request without a key when that is on.
func (s *Server) client(h func(http.ResponseWriter, *http.Request, *gateway.Caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.caller(r, bearer(r))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r, c)
	}
}

// caller authenticates a request by key, or as anonymous without one
// (refused unless anonymous access is on), and applies its namespace
// header and request id.
func (s *Server) caller(r *http.Request, key string) (*gateway.Caller, error) {
	var c *gateway.Caller
	var err error
	if s.cfg.Authenticate != nil {
		if c, err = s.cfg.Authenticate(r); err != nil {
			return nil, err
		}
	}
	switch {
	case c != nil:
	case key != "":
		c, err = s.gw.Authenticate(key, clientIP(r))
	default:
		c, err = s.gw.AuthenticateAnonymous(clientIP(r))
	}
	if err != nil {
		return nil, err
	}
	if ns := r.Header.Get("X-Tollgate-Namespace"); ns != "" {
		if err := c.UseNamespace(ns); err != nil {
			return nil, err
		}
	}
	c.RequestID = r.Header.Get("X-Request-Id") // ServeHTTP's
	c.ClientRequestID = r.Header.Get("X-Client-Request-Id")
	return c, nil
}

// adminOnly wraps an /admin handler with admin authentication: the admin
// key or an admin session token (see authorizeAdmin).
func (s *Server) adminOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.authorizeAdmin(bearer(r)); err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r)
	}
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// safeRequestID matches a client's X-Request-Id that is safe to echo.
var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// readAll reads the whole request body. A body too large stays an
// *http.MaxBytesError (413); one that cannot be read (a broken chunked
// encoding, a client gone mid-body) is the client's: CodeInvalid.
func readAll(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, &gateway.Error{Code: gateway.CodeInvalid, Message: "the request body could not be read: " + err.Error(), Err: err}
	}
	return body, nil
}

// decodeOptional decodes a JSON body into v, as decode, when there is
// one: an empty or blank body, however it was framed (no Content-Length
// for a chunked one), leaves v as it was.
func decodeOptional(r *http.Request, v any, strict bool) error {
	body, err := readAll(r)
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return decode(r, v, strict)
}

// decode reads a JSON body into v. CodeInvalid for a malformed body.
func decode(r *http.Request, v any, strict bool) error {
	dec := json.NewDecoder(r.Body)
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return gateway.Invalid("", "the request body is empty; send a JSON object")
		}
		return &gateway.Error{Code: gateway.CodeInvalid, Message: "the request body is not valid JSON: " + err.Error(), Err: err}
	}
	return nil
}
