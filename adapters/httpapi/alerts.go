package httpapi

import (
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
)

type alertDetailsJSON struct {
	Metric        string  `json:"metric,omitempty"`
	Value         float64 `json:"value"`
	Threshold     float64 `json:"threshold"`
	WindowSeconds float64 `json:"window_seconds"`
}

type alertJSON struct {
	ID          string           `json:"id"`
	Type        string           `json:"type"`
	Severity    gateway.Severity `json:"severity"`
	Status      string           `json:"status"`
	Title       string           `json:"title"`
	Message     string           `json:"message,omitempty"`
	Subject     string           `json:"subject,omitempty"`
	Details     alertDetailsJSON `json:"details"`
	Fingerprint string           `json:"fingerprint"`
	FirstSeen   time.Time        `json:"first_seen"`
	LastSeen    time.Time        `json:"last_seen"`
	Count       int64            `json:"count"`
	Deliveries  []deliveryJSON   `json:"deliveries"`
}

// deliveryJSON is the outcome of handing an alert to one notifier.
type deliveryJSON struct {
	Notifier  string    `json:"notifier"`
	Attempts  int       `json:"attempts"`
	Delivered bool      `json:"delivered"`
	Error     string    `json:"error,omitempty"`
	At        time.Time `json:"at"`
}

func alertView(a *gateway.Alert) alertJSON {
	v := alertJSON{
		ID: a.ID, Type: a.Type, Severity: a.Severity, Status: string(a.Status), Title: a.Title, Message: a.Message,
		Subject: a.Subject, Fingerprint: a.Fingerprint, FirstSeen: a.FirstSeen, LastSeen: a.LastSeen, Count: a.Count,
		Details: alertDetailsJSON{Metric: a.Details.Metric, Value: a.Details.Value, Threshold: a.Details.Threshold,
			WindowSeconds: a.Details.Window.Seconds()},
		Deliveries: make([]deliveryJSON, len(a.Deliveries)),
	}
	for i, d := range a.Deliveries {
		v.Deliveries[i] = deliveryJSON{Notifier: d.Notifier, Attempts: d.Attempts, Delivered: d.Err == "", Error: d.Err, At: d.At}
	}
	return v
}

type alertInput struct {
	Type        string           `json:"type"`
	Severity    gateway.Severity `json:"severity"`
	Title       string           `json:"title"`
	Message     string           `json:"message"`
	Subject     string           `json:"subject"`
	Fingerprint string           `json:"fingerprint"`
	Details     alertDetailsJSON `json:"details"`
}

// reportAlert records a sighting: 201 with the new alert, or 200 with the
// existing one it was folded into.
func (s *Server) reportAlert(w http.ResponseWriter, r *http.Request) {
	var in alertInput
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, opened, err := s.admin.ReportAlert(r.Context(), &gateway.Alert{
		Type: in.Type, Severity: in.Severity, Title: in.Title, Message: in.Message, Subject: in.Subject,
		Fingerprint: in.Fingerprint, Details: gateway.AlertDetails{Metric: in.Details.Metric, Value: in.Details.Value,
			Threshold: in.Details.Threshold, Window: time.Duration(in.Details.WindowSeconds * float64(time.Second))},
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if opened {
		status = http.StatusCreated
	}
	writeJSON(w, status, alertView(a))
}

func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	as, err := s.admin.Alerts(r.Context(), gateway.AlertFilter{
		Status: gateway.AlertStatus(q.Get("status")), Severity: gateway.Severity(q.Get("severity")), Type: q.Get("type"), Limit: limit,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, as, alertView)
}

func (s *Server) getAlert(w http.ResponseWriter, r *http.Request) {
	a, err := s.admin.Alert(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, alertView(a))
}

// setAlertStatus answers POST /admin/alerts/{id}/{acknowledge,resolve,dismiss}.
func (s *Server) setAlertStatus(status gateway.AlertStatus) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := s.admin.SetAlertStatus(r.Context(), mux.Vars(r)["id"], status)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, alertView(a))
	}
}

type alertCountJSON struct {
	Status   string           `json:"status"`
	Severity gateway.Severity `json:"severity"`
	Count    int64            `json:"count"`
}

func (s *Server) alertStats(w http.ResponseWriter, r *http.Request) {
	cs, err := s.admin.AlertCounts(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, cs, func(c gateway.AlertCount) alertCountJSON {
		return alertCountJSON{Status: string(c.Status), Severity: c.Severity, Count: c.Count}
	})
}

// internalOnly wraps the routes other components call, authorized by the
// internal key.
func (s *Server) internalOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := bearer(r)
		if s.cfg.InternalKeyDigest == "" || key == "" ||
			subtle.ConstantTimeCompare([]byte(s.admin.KeyDigest(key)), []byte(s.cfg.InternalKeyDigest)) != 1 {
			s.writeError(w, r, &gateway.Error{Code: gateway.CodeUnauthenticated, Type: "invalid_internal_key", Message: "a valid internal key is required"})
			return
		}
		h(w, r)
	}
}
