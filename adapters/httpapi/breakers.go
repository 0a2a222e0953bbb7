package httpapi

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
)

type breakerJSON struct {
	ProviderID     string  `json:"provider_id"`
	Provider       string  `json:"provider"`
	State          string  `json:"state"`
	Requests       int64   `json:"requests"`
	Failures       int64   `json:"failures"`
	FailureRate    float64 `json:"failure_rate"`
	SecondsToRetry float64 `json:"seconds_until_retry"`
	FailurePercent int64   `json:"failure_percent"`
	MinRequests    int64   `json:"min_requests"`
	OpenSeconds    float64 `json:"open_seconds"`
	HalfOpenProbes int64   `json:"half_open_probes"`
}

func breakerView(b gateway.BreakerState) breakerJSON {
	return breakerJSON{ProviderID: b.ProviderID, Provider: b.Provider, State: b.State, Requests: b.Requests, Failures: b.Failures,
		FailureRate: b.FailureRate, SecondsToRetry: b.RetryIn.Seconds(), FailurePercent: b.Settings.FailurePercent,
		MinRequests: b.Settings.MinRequests, OpenSeconds: b.Settings.Open.Seconds(), HalfOpenProbes: b.Settings.Probes}
}

// listBreakers serves GET /admin/circuit-breakers.
func (s *Server) listBreakers(w http.ResponseWriter, _ *http.Request) {
	writeList(w, s.admin.Breakers(), breakerView)
}

// getBreaker serves GET /admin/circuit-breakers/{provider} (id or name).
func (s *Server) getBreaker(w http.ResponseWriter, r *http.Request) {
	b, err := s.admin.Breaker(mux.Vars(r)["provider"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, breakerView(b))
}

// resetBreaker serves POST /admin/circuit-breakers/{provider}/reset: the
// breaker closes on every instance.
func (s *Server) resetBreaker(w http.ResponseWriter, r *http.Request) {
	b, err := s.admin.ResetBreaker(r.Context(), mux.Vars(r)["provider"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, breakerView(b))
}

// resetAllBreakers serves POST /admin/circuit-breakers/reset-all.
func (s *Server) resetAllBreakers(w http.ResponseWriter, r *http.Request) {
	if err := s.admin.ResetAllBreakers(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, s.admin.Breakers(), breakerView)
}
