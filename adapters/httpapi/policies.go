package httpapi

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
)

type ruleJSON struct {
	Statuses          []int    `json:"statuses,omitempty"`
	Types             []string `json:"types,omitempty"`
	Contains          string   `json:"contains,omitempty"`
	Regexp            string   `json:"regexp,omitempty"`
	Action            string   `json:"action"`
	MaxRetries        int      `json:"max_retries,omitempty"`
	BackoffSeconds    float64  `json:"backoff_seconds,omitempty"`
	DisableForSeconds float64  `json:"disable_for_seconds,omitempty"`
}

type policyJSON struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Priority  int        `json:"priority"`
	Rules     []ruleJSON `json:"rules"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

func policyView(p *gateway.RetryPolicy) policyJSON {
	v := policyJSON{ID: p.ID, Name: p.Name, Priority: p.Priority, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Rules: []ruleJSON{}}
	for _, r := range p.Rules {
		v.Rules = append(v.Rules, ruleJSON{Statuses: r.Statuses, Types: r.Types, Contains: r.Contains, Regexp: r.Regexp, Action: r.Action,
			MaxRetries: r.MaxRetries, BackoffSeconds: r.Backoff.Seconds(), DisableForSeconds: r.DisableFor.Seconds()})
	}
	return v
}

// putPolicy serves PUT /admin/retry-policies/{name}: priority and rules.
func (s *Server) putPolicy(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Priority int        `json:"priority"`
		Rules    []ruleJSON `json:"rules"`
	}
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := &gateway.RetryPolicy{Name: mux.Vars(r)["name"], Priority: in.Priority}
	for _, x := range in.Rules {
		p.Rules = append(p.Rules, gateway.RetryRule{Statuses: x.Statuses, Types: x.Types, Contains: x.Contains, Regexp: x.Regexp,
			Action: x.Action, MaxRetries: x.MaxRetries, Backoff: time.Duration(x.BackoffSeconds * float64(time.Second)),
			DisableFor: time.Duration(x.DisableForSeconds * float64(time.Second))})
	}
	p, err := s.admin.PutPolicy(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, policyView(p))
}

func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) {
	ps, err := s.admin.Policies(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, ps, policyView)
}

func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request) {
	if err := s.admin.DeletePolicy(r.Context(), mux.Vars(r)["name"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"deleted": true})
}
