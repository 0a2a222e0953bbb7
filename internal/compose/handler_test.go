package compose_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/httpapi"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/adapters/webui"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
	"github.com/tollgate-ai/tollgate/internal/compose"
)

// TestHandler checks the stock server's routing: /ui and below to the
// dashboard, everything else (/uix included) to the HTTP API.
func TestHandler(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, cache := memory.NewStore(), memory.NewCache(nil)
	t.Cleanup(cache.Close)
	h, err := gateway.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	rec := gateway.NewRecorder(gateway.RecorderConfig{}, store)
	t.Cleanup(func() { _ = rec.Close(ctx) })
	gw := gateway.New(gateway.Config{}, store, cache, gateway.Drivers{}, h, gateway.SystemClock{}, &gatewaytest.IDs{}, rec)
	if err := gw.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	admin := gateway.NewAdmin(gw)
	app := &compose.App{
		HTTP: httpapi.New(httpapi.Config{}, gw, admin),
		UI:   webui.New(webui.Config{SessionSecret: []byte("s")}, gw, admin),
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(srv.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	for _, tc := range []struct {
		name, path string
		status     int
		body       string
	}{
		{"Dashboard", "/ui/login", http.StatusOK, "Sign in"},
		{"DashboardRoot", "/ui", http.StatusSeeOther, ""},
		{"API", "/healthz", http.StatusOK, `"ok"`},
		{"NotTheDashboard", "/uix", http.StatusNotFound, "unknown_url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			resp, err := client.Get(srv.URL + tc.path)
			is.NoErr(err)
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			is.Equal(resp.StatusCode, tc.status)
			is.True(strings.Contains(string(body), tc.body))
		})
	}

	t.Run("NoUI", func(t *testing.T) {
		is := is.New(t)
		bare := &compose.App{HTTP: app.HTTP}
		is.Equal(bare.Handler(), http.Handler(app.HTTP))
	})
}
