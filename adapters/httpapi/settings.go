package httpapi

import (
	"net/http"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

type anonymousJSON struct {
	Models    []string   `json:"models"`
	Limits    limitsJSON `json:"limits"`
	Namespace string     `json:"namespace,omitempty"`
}

// grantCapsJSON caps credit grants, in micros; zero leaves a cap off.
type grantCapsJSON struct {
	PerGrant       gateway.Micros `json:"per_grant"`
	PerActorPerDay gateway.Micros `json:"per_admin_per_day"`
}

type settingsJSON struct {
	Limits    limitsJSON    `json:"limits"`
	Anonymous anonymousJSON `json:"anonymous"`
	Grants    grantCapsJSON `json:"grants"`
	UpdatedAt *time.Time    `json:"updated_at,omitempty"`
}

func settingsView(s *gateway.Settings) settingsJSON {
	return settingsJSON{
		Limits: limitsJSON(s.Limits),
		Anonymous: anonymousJSON{Models: nonNil(s.Anonymous.Models), Limits: limitsJSON(s.Anonymous.Limits),
			Namespace: s.Anonymous.Namespace},
		Grants:    grantCapsJSON(s.Grants),
		UpdatedAt: timeOrNil(s.UpdatedAt),
	}
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	st, err := s.admin.Settings(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, settingsView(st))
}

// putSettings replaces the gateway-wide settings; every instance applies
// them within a second.
func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) {
	var in settingsJSON
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	alerts, err := s.admin.AlertThresholds(r.Context()) // kept: /admin/alerts/thresholds owns them
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.admin.PutSettings(r.Context(), &gateway.Settings{
		Limits: gateway.Limits(in.Limits),
		Anonymous: gateway.Anonymous{Models: in.Anonymous.Models, Limits: gateway.Limits(in.Anonymous.Limits),
			Namespace: in.Anonymous.Namespace},
		Alerts: alerts,
		Grants: gateway.GrantCaps(in.Grants),
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, settingsView(st))
}
