package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

// Usage statistics: time series by model and by credential, and the
// dashboard summary, from the records of real requests.
func TestStatsOverHTTP(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	m, base := gatewayServer(t, map[string]string{})
	mockProvider(t, base)
	var a struct{ ID string }
	is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "a"}, &a), http.StatusCreated)
	var k struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+a.ID+"/keys", adminKey, map[string]any{}, &k), http.StatusCreated)
	for range 3 {
		is.Equal(chatStatus(t, base, k.Key, "mock-1"), http.StatusOK)
	}
	is.Equal(chatStatus(t, base, k.Key, "nope"), http.StatusNotFound) // recorded as a failure
	is.NoErr(m.App().Recorder.Flush(context.Background()))
	// The batch written again, as a retry or a replayed spill would: its
	// records are stored already, so nothing is counted twice.
	recs, err := m.App().Store.ListRecords(context.Background(), gateway.RecordFilter{AccountID: a.ID})
	is.NoErr(err)
	is.Equal(len(recs), 4)
	is.NoErr(m.App().Store.InsertRecords(context.Background(), recs))

	type counts struct {
		Requests, Successes, Failures int64
		ErrorRate                     float64 `json:"error_rate"`
		LatencyMS                     struct {
			Avg, P50, P90, P99 float64
		} `json:"latency_ms"`
	}
	type series struct {
		Object string
		Data   []struct {
			Time  string
			Group string
			counts
		}
	}
	// byGroup sums a series by group: the requests may straddle a minute.
	byGroup := func(s series) map[string]counts {
		out := map[string]counts{}
		for _, p := range s.Data {
			c := out[p.Group]
			c.Requests += p.Requests
			c.Successes += p.Successes
			c.Failures += p.Failures
			out[p.Group] = c
		}
		return out
	}
	var models series
	is.Equal(call(t, "GET", base+"/admin/stats?group_by=model&resolution=minute", adminKey, nil, &models), http.StatusOK)
	is.Equal(models.Object, "list")
	is.True(len(models.Data) >= 2)
	is.True(models.Data[0].Time != "")
	is.Equal(byGroup(models)["mock-1"], counts{Requests: 3, Successes: 3})
	is.Equal(byGroup(models)["nope"], counts{Requests: 1, Failures: 1})

	var creds series // per-credential success and failure rates
	is.Equal(call(t, "GET", base+"/admin/stats?group_by=credential&resolution=day&account_id="+a.ID, adminKey, nil, &creds), http.StatusOK)
	is.Equal(len(creds.Data), 2) // the mock's one credential, and none for the refused request
	is.Equal(creds.Data[0].Group, "")
	is.Equal(creds.Data[0].ErrorRate, 1.0)
	is.True(creds.Data[1].Group != "")
	is.Equal(creds.Data[1].Successes, int64(3))
	is.Equal(creds.Data[1].ErrorRate, 0.0)
	is.True(creds.Data[1].LatencyMS.P99 > 0)

	var sum struct {
		Totals             counts
		ActiveProviders    int `json:"active_providers"`
		HealthyCredentials int `json:"healthy_credentials"`
		OpenBreakers       int `json:"open_breakers"`
	}
	is.Equal(call(t, "GET", base+"/admin/stats/summary", adminKey, nil, &sum), http.StatusOK)
	is.Equal(sum.Totals.Requests, int64(4))
	is.Equal(sum.Totals.Successes, int64(3))
	is.Equal(sum.Totals.Failures, int64(1))
	is.Equal(sum.Totals.ErrorRate, 0.25)
	is.Equal(sum.ActiveProviders, 1)
	is.Equal(sum.HealthyCredentials, 1)
	is.Equal(sum.OpenBreakers, 0)

	var empty series
	is.Equal(call(t, "GET", base+"/admin/stats?until=2020-01-01T00:00:00Z", adminKey, nil, &empty), http.StatusOK)
	is.Equal(len(empty.Data), 0) // an empty list, not null
	is.True(empty.Data != nil)

	var bad struct {
		Error struct{ Param string }
	}
	for url, param := range map[string]string{
		"/admin/stats?resolution=week":                                       "resolution",
		"/admin/stats?group_by=namespace":                                    "group_by",
		"/admin/stats?since=yesterday":                                       "since",
		"/admin/stats?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z": "until",
		"/admin/stats?since=2020-01-01T00:00:00Z&until=2026-01-01T00:00:00Z": "resolution", // years of minutes
		"/admin/stats/summary?until=soon":                                    "until",
	} {
		is.Equal(call(t, "GET", base+url, adminKey, nil, &bad), http.StatusBadRequest)
		is.Equal(bad.Error.Param, param)
	}
	is.Equal(call(t, "GET", base+"/admin/stats", k.Key, nil, nil), http.StatusUnauthorized) // admins only
}
