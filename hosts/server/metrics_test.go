package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/matryer/is"
)

// get GETs url without credentials, as Prometheus scrapes, and returns
// the status and body.
func get(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// /metrics counts a chat call for Prometheus, needs no key, and shows no
// secret; TOLLGATE_METRICS=off removes it.
func TestMetricsOverHTTP(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	_, base := gatewayServer(t, map[string]string{})
	mockProvider(t, base)
	var a struct{ ID string }
	is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "a"}, &a), http.StatusCreated)
	var k struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+a.ID+"/keys", adminKey, map[string]any{}, &k), http.StatusCreated)
	is.Equal(chatStatus(t, base, k.Key, "mock-1"), http.StatusOK)

	status, body := get(t, base+"/metrics")
	is.Equal(status, http.StatusOK)
	// labels in any order, the provider's id whatever it is
	ok := regexp.MustCompile(`(?m)^tollgate_requests_total\{[^}]*\} 1$`)
	var found bool
	for _, line := range ok.FindAllString(body, -1) {
		if strings.Contains(line, `code="ok"`) && strings.Contains(line, `endpoint="chat"`) && strings.Contains(line, `model="mock-1"`) {
			found = true
		}
	}
	is.True(found) // tollgate_requests_total{code="ok",endpoint="chat",model="mock-1",...} 1
	is.True(strings.Contains(body, "tollgate_record_queue_depth "))
	is.True(strings.Contains(body, `tollgate_store_query_seconds_count{op="SELECT",outcome="ok"}`)) // the Store is timed
	is.True(strings.Contains(body, "go_goroutines "))
	is.True(!strings.Contains(body, k.Key))    // no client key
	is.True(!strings.Contains(body, adminKey)) // nor the admin key
	is.True(!strings.Contains(body, a.ID))     // nor who called

	_, off := gatewayServer(t, map[string]string{"TOLLGATE_METRICS": "off"})
	status, _ = get(t, off+"/metrics")
	is.Equal(status, http.StatusNotFound)
}
