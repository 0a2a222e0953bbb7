package httpx_test

import (
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/providers/internal/httpx"
	"github.com/tollgate-ai/tollgate/gateway"
)

func TestConfigForProvider(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	cfg, err := httpx.Config{Timeout: time.Minute}.ForProvider(map[string]string{"connect_timeout_seconds": "3", "header_timeout_seconds": "20"})
	is.NoErr(err)
	is.Equal(cfg.Timeout, time.Minute) // the host's, unless the provider says
	is.Equal(cfg.DialTimeout, 3*time.Second)
	is.Equal(cfg.ResponseHeaderTimeout, 20*time.Second)
	_, err = httpx.Config{}.ForProvider(map[string]string{"timeout_seconds": "soon"})
	is.Equal(gateway.AsError(err).Field, "options.timeout_seconds")
}
