package main

import (
	"net/http"
	"testing"

	"github.com/matryer/is"
)

// The stock server serves the dashboard at /ui, unless TOLLGATE_UI=off.
func TestDashboardMounted(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	status := func(base string) int {
		resp, err := noRedirect.Get(base + "/ui/login")
		is.NoErr(err)
		resp.Body.Close()
		return resp.StatusCode
	}
	_, on := gatewayServer(t, map[string]string{})
	is.Equal(status(on), http.StatusOK) // the sign-in page
	_, off := gatewayServer(t, map[string]string{"TOLLGATE_UI": "off"})
	is.Equal(status(off), http.StatusNotFound) // the API's answer to an unknown path
}
