package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/httpapi"
)

func TestAlertThresholds(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t, httpapi.Config{})
	get := func() map[string]any {
		resp := f.do(t, "GET", "/admin/alerts/thresholds", adminKey, "")
		is.Equal(resp.StatusCode, 200)
		var v map[string]any
		is.NoErr(json.NewDecoder(resp.Body).Decode(&v))
		return v
	}
	is.Equal(get()["account_rpm"], 0.0) // off until set

	resp := f.do(t, "PUT", "/admin/alerts/thresholds", adminKey, `{"error_rate_percent":150}`)
	is.Equal(resp.StatusCode, 400)
	is.Equal(*decodeError(t, resp).Error.Param, "error_rate_percent")

	resp = f.do(t, "PUT", "/admin/alerts/thresholds", adminKey, `{"account_rpm":600,"error_rate_percent":20,"error_window_seconds":600,"spill":true}`)
	is.Equal(resp.StatusCode, 200)
	v := get()
	is.Equal(v["account_rpm"], 600.0)
	is.Equal(v["error_window_seconds"], 600.0)
	is.Equal(v["spill"], true)

	// Replacing the other settings keeps the thresholds.
	resp = f.do(t, "PUT", "/admin/settings", adminKey, `{"limits":{"requests_per_minute":1000}}`)
	is.Equal(resp.StatusCode, 200)
	is.Equal(get()["account_rpm"], 600.0)

	resp = f.do(t, "GET", "/admin/alerts/thresholds", f.key, "")
	is.Equal(resp.StatusCode, 401) // admins only
}
