package httpapi

import (
	"net/http"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// thresholdsJSON is gateway.AlertThresholds on the wire; zero turns a
// detector off.
type thresholdsJSON struct {
	GatewayRPS         int64   `json:"gateway_rps"`
	AccountRPM         int64   `json:"account_rpm"`
	AccountTPM         int64   `json:"account_tpm"`
	AccountRPD         int64   `json:"account_rpd"`
	AccountTPD         int64   `json:"account_tpd"`
	ErrorRatePercent   int64   `json:"error_rate_percent"`
	ErrorWindowSeconds float64 `json:"error_window_seconds"`
	MinRequests        int64   `json:"min_requests"`
	Spill              bool    `json:"spill"`
	// LowBalance is in micros.
	LowBalance gateway.Micros `json:"low_balance"`
}

func thresholdsView(t gateway.AlertThresholds) thresholdsJSON {
	return thresholdsJSON{GatewayRPS: t.GatewayRPS, AccountRPM: t.AccountRPM, AccountTPM: t.AccountTPM, AccountRPD: t.AccountRPD,
		AccountTPD: t.AccountTPD, ErrorRatePercent: t.ErrorRatePercent, ErrorWindowSeconds: t.ErrorWindow.Seconds(),
		MinRequests: t.MinRequests, Spill: t.Spill, LowBalance: t.LowBalance}
}

func (s *Server) getThresholds(w http.ResponseWriter, r *http.Request) {
	t, err := s.admin.AlertThresholds(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, thresholdsView(t))
}

// putThresholds replaces the detectors' thresholds; every instance
// applies them within a second, with or without Redis.
func (s *Server) putThresholds(w http.ResponseWriter, r *http.Request) {
	var in thresholdsJSON
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.admin.PutAlertThresholds(r.Context(), gateway.AlertThresholds{
		GatewayRPS: in.GatewayRPS, AccountRPM: in.AccountRPM, AccountTPM: in.AccountTPM, AccountRPD: in.AccountRPD,
		AccountTPD: in.AccountTPD, ErrorRatePercent: in.ErrorRatePercent,
		ErrorWindow: time.Duration(in.ErrorWindowSeconds * float64(time.Second)), MinRequests: in.MinRequests, Spill: in.Spill,
		LowBalance: in.LowBalance,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, thresholdsView(t))
}
