package webui

import (
	"encoding/json"
	"html/template"
	"net/http"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// statsRange is a choice of the overview's time range.
type statsRange struct {
	Name       string
	Span       time.Duration
	Resolution time.Duration
}

var statsRanges = []statsRange{
	{"1h", time.Hour, time.Minute},
	{"6h", 6 * time.Hour, time.Minute},
	{"24h", 24 * time.Hour, time.Minute},
	{"7d", 7 * 24 * time.Hour, time.Hour},
	{"30d", 30 * 24 * time.Hour, time.Hour},
}

// series is the overview's charts' data: one value per bucket, in the
// columns uPlot takes. Cost is in credits (a float for drawing only).
type series struct {
	Time      []int64   `json:"t"`
	Requests  []int64   `json:"requests"`
	Tokens    []int64   `json:"tokens"`
	Cost      []float64 `json:"cost"`
	ErrorRate []float64 `json:"errors"`
}

// overviewData is the overview page's Data.
type overviewData struct {
	Ranges   []statsRange
	Range    string
	Totals   gateway.StatCounts
	Summary  *gateway.StatsSummary // the admin's only
	Breakers []gateway.BreakerState
	Alerts   []*gateway.Alert
	Series   template.JS
}

// overview shows requests, tokens, cost and error rate over time, the
// open circuit breakers and the open alerts. An account sees its own
// traffic only, and no breakers or alerts.
func (u *UI) overview(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	rg := statsRanges[0]
	for _, x := range statsRanges {
		if x.Name == r.URL.Query().Get("range") {
			rg = x
		}
	}
	until := u.cfg.Now().UTC().Truncate(rg.Resolution).Add(rg.Resolution)
	since := until.Add(-rg.Span)
	q := gateway.StatsQuery{Since: since, Until: until, Resolution: rg.Resolution}
	if !s.Admin {
		q.AccountID = s.Account
	}
	points, err := u.admin.Stats(ctx, q)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	d := overviewData{Ranges: statsRanges, Range: rg.Name}
	ser := fill(points, since, until, rg.Resolution)
	for _, p := range points {
		addCounts(&d.Totals, p.StatCounts)
	}
	js, err := json.Marshal(ser)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	d.Series = template.JS(js) // JSON of numbers only, rendered in a <script type="application/json">
	if s.Admin {
		if d.Summary, err = u.admin.Summary(ctx, since, until); err != nil {
			u.failErr(w, r, s, err)
			return
		}
		for _, b := range u.admin.Breakers() {
			if b.State != "closed" {
				d.Breakers = append(d.Breakers, b)
			}
		}
		if d.Alerts, err = u.admin.Alerts(ctx, gateway.AlertFilter{Status: gateway.AlertOpen, Limit: 10}); err != nil {
			u.failErr(w, r, s, err)
			return
		}
	}
	u.render(w, r, http.StatusOK, "overview", &view{Title: "Overview", Nav: "overview", Session: s, Data: d})
}

// fill lays points on every bucket of [since, until), zero where there
// were no requests, so the charts show quiet times as quiet.
func fill(points []gateway.StatPoint, since, until time.Time, res time.Duration) series {
	at := map[int64]gateway.StatCounts{}
	for _, p := range points {
		c := at[p.Time.Unix()]
		addCounts(&c, p.StatCounts)
		at[p.Time.Unix()] = c
	}
	var s series
	for t := since.Truncate(res); t.Before(until); t = t.Add(res) {
		c := at[t.Unix()]
		s.Time = append(s.Time, t.Unix())
		s.Requests = append(s.Requests, c.Requests)
		s.Tokens = append(s.Tokens, c.PromptTokens+c.CompletionTokens)
		s.Cost = append(s.Cost, float64(c.Cost)/1e6)
		rate := 0.0
		if c.Requests > 0 {
			rate = float64(c.Failures) * 100 / float64(c.Requests)
		}
		s.ErrorRate = append(s.ErrorRate, rate)
	}
	return s
}

func addCounts(dst *gateway.StatCounts, c gateway.StatCounts) {
	dst.Requests += c.Requests
	dst.Successes += c.Successes
	dst.Failures += c.Failures
	dst.PromptTokens += c.PromptTokens
	dst.CompletionTokens += c.CompletionTokens
	dst.CachedTokens += c.CachedTokens
	dst.Cost += c.Cost
	dst.LatencyMicros += c.LatencyMicros
}
