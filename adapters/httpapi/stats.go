package httpapi

import (
	"net/http"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// resolutions are the values of ?resolution=.
var resolutions = map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}

// latencyJSON shows latencies in milliseconds. Percentiles are the upper
// bounds of histogram buckets (gateway.StatCounts.Percentile).
type latencyJSON struct {
	Avg float64 `json:"avg"`
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
}

// countsJSON shows a gateway.StatCounts.
type countsJSON struct {
	Requests  int64 `json:"requests"`
	Successes int64 `json:"successes"`
	Failures  int64 `json:"failures"`
	// ErrorRate is Failures / Requests, 0 without requests.
	ErrorRate        float64        `json:"error_rate"`
	PromptTokens     int64          `json:"prompt_tokens"`
	CompletionTokens int64          `json:"completion_tokens"`
	CachedTokens     int64          `json:"cached_tokens"`
	Cost             gateway.Micros `json:"cost_micros"`
	LatencyMS        latencyJSON    `json:"latency_ms"`
}

func countsView(c gateway.StatCounts) countsJSON {
	out := countsJSON{
		Requests: c.Requests, Successes: c.Successes, Failures: c.Failures,
		PromptTokens: c.PromptTokens, CompletionTokens: c.CompletionTokens, CachedTokens: c.CachedTokens, Cost: c.Cost,
		LatencyMS: latencyJSON{
			Avg: ms(c.MeanLatency()), P50: ms(c.Percentile(0.5)), P90: ms(c.Percentile(0.9)), P99: ms(c.Percentile(0.99)),
		},
	}
	if c.Requests > 0 {
		out.ErrorRate = float64(c.Failures) / float64(c.Requests)
	}
	return out
}

// statPointJSON is one point of a time series.
type statPointJSON struct {
	Time  time.Time `json:"time"`
	Group string    `json:"group"`
	countsJSON
}

func statPointView(p gateway.StatPoint) statPointJSON {
	return statPointJSON{Time: p.Time, Group: p.Group, countsJSON: countsView(p.StatCounts)}
}

type summaryJSON struct {
	Since              time.Time  `json:"since"`
	Until              time.Time  `json:"until"`
	Totals             countsJSON `json:"totals"`
	ActiveProviders    int        `json:"active_providers"`
	HealthyCredentials int        `json:"healthy_credentials"`
	// OpenBreakers is 0 until the gateway has circuit breakers.
	OpenBreakers int `json:"open_breakers"`
}

// timeRange reads ?since= and ?until= (RFC 3339); absent ones are zero.
func timeRange(r *http.Request) (since, until time.Time, err error) {
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &since}, {"until", &until}} {
		if v := q.Get(p.name); v != "" {
			if *p.dst, err = time.Parse(time.RFC3339Nano, v); err != nil {
				return since, until, gateway.Invalid(p.name, "%s must be an RFC 3339 time such as 2026-11-24T08:00:00Z", p.name)
			}
		}
	}
	return since, until, nil
}

// statsQuery reads the query of GET /admin/stats: since, until,
// resolution (minute, hour or day), group_by and the filters account_id,
// key_id, provider_id, credential_id and model.
func statsQuery(r *http.Request) (gateway.StatsQuery, error) {
	v := r.URL.Query()
	q := gateway.StatsQuery{
		GroupBy: v.Get("group_by"), AccountID: v.Get("account_id"), KeyID: v.Get("key_id"),
		ProviderID: v.Get("provider_id"), CredentialID: v.Get("credential_id"), Model: v.Get("model"),
	}
	if res := v.Get("resolution"); res != "" {
		var ok bool
		if q.Resolution, ok = resolutions[res]; !ok {
			return q, gateway.Invalid("resolution", "resolution must be minute, hour or day")
		}
	}
	var err error
	q.Since, q.Until, err = timeRange(r)
	return q, err
}

// listStats answers GET /admin/stats: a time series of usage, one point
// per bucket (and group, with group_by), oldest first. Per-credential
// success and failure rates are ?group_by=credential.
func (s *Server) listStats(w http.ResponseWriter, r *http.Request) {
	q, err := statsQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	points, err := s.admin.Stats(r.Context(), q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, points, statPointView)
}

// statsSummary answers GET /admin/stats/summary: the totals of a range
// and the providers' state now, for a dashboard.
func (s *Server) statsSummary(w http.ResponseWriter, r *http.Request) {
	since, until, err := timeRange(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sum, err := s.admin.Summary(r.Context(), since, until)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, summaryJSON{
		Since: sum.Since.UTC(), Until: sum.Until.UTC(), Totals: countsView(sum.Totals),
		ActiveProviders: sum.ActiveProviders, HealthyCredentials: sum.HealthyCredentials, OpenBreakers: sum.OpenBreakers,
	})
}
