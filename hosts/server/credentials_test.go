package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

// A credential the provider refuses (401) is invalidated at once, with the
// reason in its events; requests go on with the others; an admin brings
// it back.
func TestCredentialLifecycleOverHTTP(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	upstream := openaitest.New(t, "sk-good-key")
	_, base := gatewayServer(t, map[string]string{})
	var prov struct {
		ID          string
		Credentials []struct{ ID, Name string }
	}
	is.Equal(call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
		"name": "openai", "type": "openai", "base_url": upstream.URL, "models": []string{"gpt-*"},
		"credentials": []map[string]any{{"name": "revoked", "secret": "sk-revoked-key", "weight": 100}, {"name": "good", "secret": "sk-good-key"}},
	}, &prov), http.StatusCreated)
	revoked := prov.Credentials[0].ID
	key := clientKey(t, base)
	is.Equal(chatStatus(t, base, key, "gpt-4o"), http.StatusOK) // the revoked key fails over to the good one

	type credential struct {
		ID, Status   string
		StatusReason string `json:"status_reason"`
	}
	status := func() credential {
		var list struct{ Data []credential }
		is.Equal(call(t, "GET", base+"/admin/providers/"+prov.ID+"/credentials", adminKey, nil, &list), http.StatusOK)
		for _, c := range list.Data {
			if c.ID == revoked {
				return c
			}
		}
		t.Fatal("credential gone")
		return credential{}
	}
	is.True(within(2*time.Second, func() bool { return status().Status == "invalid" }))
	var events struct {
		Data []struct{ From, To, Reason string }
	}
	// The event is kept just after the status changes.
	is.True(within(2*time.Second, func() bool {
		is.Equal(call(t, "GET", base+"/admin/credentials/"+revoked+"/events", adminKey, nil, &events), http.StatusOK)
		return len(events.Data) > 0
	}))
	is.Equal(events.Data[0].To, "invalid")
	_, body := get(t, base+"/metrics")
	is.True(strings.Contains(body, `tollgate_credentials{provider="openai",status="invalid"} 1`))

	var c credential
	is.Equal(call(t, "POST", base+"/admin/credentials/"+revoked+"/enable", adminKey, map[string]any{"reason": "the key was rotated"}, &c), http.StatusOK)
	is.Equal(c.Status, "active")
	is.Equal(c.StatusReason, "the key was rotated")
	is.Equal(call(t, "POST", base+"/admin/credentials/"+revoked+"/disable", adminKey, nil, &c), http.StatusOK)
	is.Equal(c.Status, "disabled")
}

// Validation checks each credential with a models listing: a refused key
// is invalidated, a good one disabled by hand comes back, and the run is
// in the history.
func TestValidationOverHTTP(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	upstream := openaitest.New(t, "sk-good-key", "sk-other-good")
	_, base := gatewayServer(t, map[string]string{})
	var prov struct {
		ID          string
		Credentials []struct{ ID string }
	}
	is.Equal(call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
		"name": "openai", "type": "openai", "base_url": upstream.URL, "models": []string{"gpt-*"},
		"credentials": []map[string]any{{"secret": "sk-good-key"}, {"secret": "sk-revoked"}, {"secret": "sk-other-good"}},
	}, &prov), http.StatusCreated)
	parked := prov.Credentials[2].ID
	is.Equal(call(t, "POST", base+"/admin/credentials/"+parked+"/disable", adminKey, nil, nil), http.StatusOK)

	var run struct {
		Checked, Valid int
		Results        []struct {
			CredentialID string `json:"credential_id"`
			OK           bool
			Status       string
		}
	}
	is.Equal(call(t, "POST", base+"/admin/validation/providers/"+prov.ID, adminKey, map[string]any{"concurrency": 2}, &run), http.StatusOK)
	is.Equal(run.Checked, 3)
	is.Equal(run.Valid, 2)
	status := map[string]string{}
	for _, r := range run.Results {
		status[r.CredentialID] = r.Status
	}
	is.Equal(status[prov.Credentials[1].ID], "invalid") // refused
	is.Equal(status[parked], "active")                  // validated, so back in use

	var again struct{ Checked, Skipped int }
	is.Equal(call(t, "POST", base+"/admin/validation/providers/"+prov.ID, adminKey, map[string]any{"skip_validated_within_seconds": 3600}, &again), http.StatusOK)
	is.Equal(again.Checked, 0)
	is.Equal(again.Skipped, 3)
	var history struct{ Data []struct{ Checked int } }
	is.Equal(call(t, "GET", base+"/admin/validation/history", adminKey, nil, &history), http.StatusOK)
	is.Equal(len(history.Data), 2)
	is.Equal(history.Data[1].Checked, 3) // newest first
}

func TestRetryPoliciesOverHTTP(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	_, base := gatewayServer(t, map[string]string{})
	is.Equal(call(t, "PUT", base+"/admin/retry-policies/strict", adminKey, map[string]any{"rules": []map[string]any{
		{"regexp": "(", "action": "fail"}}}, nil), http.StatusBadRequest) // the regular expression is checked
	var pol struct {
		Name  string
		Rules []struct {
			Action         string
			BackoffSeconds float64 `json:"backoff_seconds"`
		}
	}
	is.Equal(call(t, "PUT", base+"/admin/retry-policies/strict", adminKey, map[string]any{"priority": 1, "rules": []map[string]any{
		{"statuses": []int{529}, "action": "retry", "max_retries": 2, "backoff_seconds": 0.5}}}, &pol), http.StatusOK)
	is.Equal(pol.Rules[0].BackoffSeconds, 0.5)
	var list struct{ Data []struct{ Name string } }
	is.Equal(call(t, "GET", base+"/admin/retry-policies", adminKey, nil, &list), http.StatusOK)
	is.Equal(list.Data[0].Name, "strict")
	is.Equal(call(t, "DELETE", base+"/admin/retry-policies/strict", adminKey, nil, nil), http.StatusOK)
	is.Equal(call(t, "DELETE", base+"/admin/retry-policies/strict", adminKey, nil, nil), http.StatusNotFound)
}
