package httpapi

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
)

// setCredentialStatus serves POST /admin/credentials/{id}/enable,
// /degrade, /disable, /invalidate and /pending, with an optional
// {"reason"}.
func (s *Server) setCredentialStatus(to gateway.Status) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := decodeOptional(r, &in, true); err != nil {
			s.writeError(w, r, err)
			return
		}
		c, err := s.admin.SetCredentialStatus(r.Context(), mux.Vars(r)["id"], to, in.Reason)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, credentialView(c))
	}
}

type credentialEventJSON struct {
	From   gateway.Status `json:"from"`
	To     gateway.Status `json:"to"`
	Reason string         `json:"reason"`
	Until  *time.Time     `json:"until,omitempty"`
	Time   time.Time      `json:"time"`
}

// credentialEvents serves GET /admin/credentials/{id}/events: its status
// changes, newest first.
func (s *Server) credentialEvents(w http.ResponseWriter, r *http.Request) {
	es, err := s.admin.CredentialEvents(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, es, func(e *gateway.CredentialEvent) credentialEventJSON {
		return credentialEventJSON{From: e.From, To: e.To, Reason: e.Reason, Until: timeOrNil(e.Until), Time: e.Time}
	})
}

// pinCredential serves POST /admin/credentials/{id}/pin: its provider
// uses it while it can.
func (s *Server) pinCredential(w http.ResponseWriter, r *http.Request) {
	p, err := s.admin.PinCredential(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, providerView(p))
}

// unpinProvider serves POST /admin/providers/{id}/unpin.
func (s *Server) unpinProvider(w http.ResponseWriter, r *http.Request) {
	p, err := s.provider(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if p, err = s.admin.UnpinProvider(r.Context(), p.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, providerView(p))
}
