package httpx

import (
	"strconv"

	"github.com/tollgate-ai/tollgate/gateway"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Config tunes a provider Upstream's HTTP transport. The zero Config is ready to
// use; each zero field takes the default given in its comment. One
// transport serves every request to a provider, so the pool limits are
// sized for a gateway's concurrency rather than for one client's.
type Config struct {
	// Timeout bounds each non-streaming call (Chat, Embed, ListModels),
	// from sending the request to reading the last byte of the response.
	// Zero means no limit besides the caller's context. Streams are not
	// bounded by it, as a long completion may stream for minutes; use
	// ResponseHeaderTimeout and the context for them.
	Timeout time.Duration
	// ResponseHeaderTimeout bounds the wait for the response headers after
	// the request is written. Zero means none: a non-streaming completion
	// sends its headers only once the whole answer is generated, which can
	// take minutes for reasoning models.
	ResponseHeaderTimeout time.Duration
	// DialTimeout bounds establishing a TCP connection. Default 10s.
	DialTimeout time.Duration
	// KeepAlive is the TCP keep-alive period of connections. Default 30s.
	KeepAlive time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake. Default 10s.
	TLSHandshakeTimeout time.Duration
	// IdleConnTimeout closes connections idle for this long. Default 90s.
	IdleConnTimeout time.Duration
	// MaxIdleConns caps idle connections over all hosts. Default 512.
	MaxIdleConns int
	// MaxIdleConnsPerHost caps idle connections to one host; net/http's
	// own default of 2 would make a busy gateway dial for most requests.
	// Default 512.
	MaxIdleConnsPerHost int
	// MaxConnsPerHost caps all connections to one host, idle or not.
	// Zero means no limit.
	MaxConnsPerHost int
	// Proxy returns the proxy for a request, as http.Transport.Proxy. Nil
	// means direct connections; hosts that want the environment's proxy
	// pass http.ProxyFromEnvironment.
	Proxy func(*http.Request) (*url.URL, error)
}

// WithDefaults returns cfg with its zero fields set to their defaults.
func (cfg Config) WithDefaults() Config {
	setDuration := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	setDuration(&cfg.DialTimeout, 10*time.Second)
	setDuration(&cfg.KeepAlive, 30*time.Second)
	setDuration(&cfg.TLSHandshakeTimeout, 10*time.Second)
	setDuration(&cfg.IdleConnTimeout, 90*time.Second)
	if cfg.MaxIdleConns == 0 {
		cfg.MaxIdleConns = 512
	}
	if cfg.MaxIdleConnsPerHost == 0 {
		cfg.MaxIdleConnsPerHost = 512
	}
	return cfg
}

// NewTransport builds the one transport of an Upstream: keep-alive
// connections, a pool sized for many concurrent requests, and HTTP/2 when
// the server offers it (so a TLS provider multiplexes streams over a few
// connections).
func NewTransport(cfg Config) *http.Transport {
	dialer := &net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: cfg.KeepAlive}
	return &http.Transport{
		Proxy:                 cfg.Proxy,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          cfg.MaxIdleConns,
		MaxIdleConnsPerHost:   cfg.MaxIdleConnsPerHost,
		MaxConnsPerHost:       cfg.MaxConnsPerHost,
		IdleConnTimeout:       cfg.IdleConnTimeout,
		TLSHandshakeTimeout:   cfg.TLSHandshakeTimeout,
		ResponseHeaderTimeout: cfg.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		// Larger buffers than the 4 KiB default cut syscalls on big
		// request bodies and fast streams.
		WriteBufferSize: 32 << 10,
		ReadBufferSize:  32 << 10,
	}
}

// ForProvider returns cfg with the timeouts a provider's Options set, in
// whole seconds: timeout_seconds (Timeout: a whole non-streaming call),
// connect_timeout_seconds (DialTimeout) and header_timeout_seconds
// (ResponseHeaderTimeout). CodeInvalid, naming the option, for a value
// that is not a positive integer.
func (cfg Config) ForProvider(opts map[string]string) (Config, error) {
	for _, o := range []struct {
		name string
		dst  *time.Duration
	}{{"timeout_seconds", &cfg.Timeout}, {"connect_timeout_seconds", &cfg.DialTimeout}, {"header_timeout_seconds", &cfg.ResponseHeaderTimeout}} {
		v, ok := opts[o.name]
		if !ok || v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 24*3600 {
			return cfg, gateway.Invalid("options."+o.name, "%s must be a whole number of seconds, 1 to 86400", o.name)
		}
		*o.dst = time.Duration(n) * time.Second
	}
	return cfg, nil
}
