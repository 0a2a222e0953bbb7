package httpapi

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
)

type windowJSON struct {
	Minute int64 `json:"minute"`
	Hour   int64 `json:"hour"`
	Day    int64 `json:"day"`
}

type limitUseJSON struct {
	Name      string `json:"name"`
	Limit     int64  `json:"limit"`
	Used      int64  `json:"used"`
	Remaining int64  `json:"remaining"`
}

type realtimeJSON struct {
	AccountID string         `json:"account_id"`
	Requests  windowJSON     `json:"requests"`
	Tokens    windowJSON     `json:"tokens"`
	QPS       int64          `json:"qps"`
	InFlight  int64          `json:"in_flight"`
	Limits    []limitUseJSON `json:"limits"`
}

func realtimeView(rt *gateway.Realtime) realtimeJSON {
	out := realtimeJSON{
		AccountID: rt.AccountID,
		Requests:  windowJSON(rt.Requests),
		Tokens:    windowJSON(rt.Tokens),
		QPS:       rt.QPS, InFlight: rt.InFlight, Limits: []limitUseJSON{},
	}
	for _, l := range rt.Limits {
		out.Limits = append(out.Limits, limitUseJSON(l))
	}
	return out
}

// ownRealtime answers GET /v1/realtime: the caller's own account.
func (s *Server) ownRealtime(w http.ResponseWriter, r *http.Request, c *gateway.Caller) {
	s.writeRealtime(w, r, c.Account.ID)
}

// accountRealtime answers GET /admin/accounts/{id}/realtime.
func (s *Server) accountRealtime(w http.ResponseWriter, r *http.Request) {
	s.writeRealtime(w, r, mux.Vars(r)["id"])
}

func (s *Server) writeRealtime(w http.ResponseWriter, r *http.Request, accountID string) {
	rt, err := s.gw.Realtime(r.Context(), accountID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, realtimeView(rt))
}
