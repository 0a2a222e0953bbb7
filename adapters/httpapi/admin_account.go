package httpapi

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
)

type accountInput struct {
	Name             string         `json:"name"`
	Status           gateway.Status `json:"status"`
	DefaultNamespace string         `json:"default_namespace"`
	Namespaces       []string       `json:"namespaces"`
	Limits           limitsJSON     `json:"limits"`
	Prepaid          bool           `json:"prepaid"`
	Budget           budgetJSON     `json:"budget"`
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) {
	var in accountInput
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.admin.CreateAccount(r.Context(), &gateway.Account{
		Name: in.Name, Status: in.Status, DefaultNamespace: in.DefaultNamespace, Namespaces: in.Namespaces,
		Limits: gateway.Limits(in.Limits), Prepaid: in.Prepaid, Budget: gateway.Budget(in.Budget),
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, accountView(a))
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) {
	as, err := s.admin.Accounts(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, as, accountView)
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	a, err := s.admin.Account(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, accountView(a))
}

type accountPatch struct {
	Name             *string         `json:"name"`
	Status           *gateway.Status `json:"status"`
	DefaultNamespace *string         `json:"default_namespace"`
	Namespaces       *[]string       `json:"namespaces"`
	Limits           *limitsJSON     `json:"limits"`
	Prepaid          *bool           `json:"prepaid"`
	Budget           *budgetJSON     `json:"budget"`
}

func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request) {
	var in accountPatch
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	u := gateway.AccountUpdate{Name: in.Name, Status: in.Status, DefaultNamespace: in.DefaultNamespace, Namespaces: in.Namespaces, Prepaid: in.Prepaid}
	if in.Limits != nil {
		l := gateway.Limits(*in.Limits)
		u.Limits = &l
	}
	if in.Budget != nil {
		b := gateway.Budget(*in.Budget)
		u.Budget = &b
	}
	a, err := s.admin.UpdateAccount(r.Context(), mux.Vars(r)["id"], u)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, accountView(a))
}

type keyInput struct {
	Name       string     `json:"name"`
	Models     []string   `json:"models"`
	Namespace  string     `json:"namespace"`
	Namespaces []string   `json:"namespaces"`
	AllowedIPs []string   `json:"allowed_ips"`
	ExpiresAt  *time.Time `json:"expires_at"`
	Limits     limitsJSON `json:"limits"`
	Budget     budgetJSON `json:"budget"`
}

func (in keyInput) spec() gateway.KeySpec {
	spec := gateway.KeySpec{Name: in.Name, Models: in.Models, Namespace: in.Namespace, Namespaces: in.Namespaces,
		AllowedIPs: in.AllowedIPs, Limits: gateway.Limits(in.Limits), Budget: gateway.Budget(in.Budget)}
	if in.ExpiresAt != nil {
		spec.ExpiresAt = *in.ExpiresAt
	}
	return spec
}

// issueKey issues a key and returns it once, in the "key" field.
func (s *Server) issueKey(w http.ResponseWriter, r *http.Request) {
	var in keyInput
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	k, secret, err := s.admin.IssueKey(r.Context(), mux.Vars(r)["id"], in.spec(), gateway.IssuedByAdmin)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeIssuedKey(w, k, secret)
}

// issueMasterKey issues the account's master key, replacing the one it
// had; the response holds it once, in "key".
func (s *Server) issueMasterKey(w http.ResponseWriter, r *http.Request) {
	k, secret, err := s.admin.IssueMasterKey(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeIssuedKey(w, k, secret)
}

// revokeAccountKeys raises the account's epoch, revoking every client key.
func (s *Server) revokeAccountKeys(w http.ResponseWriter, r *http.Request) {
	a, err := s.admin.RevokeAccountKeys(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, accountView(a))
}

func (s *Server) listAccountKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := s.admin.Keys(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, ks, keyView)
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := s.admin.Keys(r.Context(), r.URL.Query().Get("account_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, ks, keyView)
}

type keyPatch struct {
	Name       *string     `json:"name"`
	Models     *[]string   `json:"models"`
	Namespaces *[]string   `json:"namespaces"`
	AllowedIPs *[]string   `json:"allowed_ips"`
	Limits     *limitsJSON `json:"limits"`
	Budget     *budgetJSON `json:"budget"`
	// ExpiresAt set to null removes the expiry; left out, it stays.
	ExpiresAt *nullableTime `json:"expires_at"`
}

// nullableTime tells an explicit null (remove) from a missing field.
type nullableTime struct{ t time.Time }

func (n *nullableTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	return n.t.UnmarshalJSON(b)
}

func (p keyPatch) update() gateway.KeyUpdate {
	u := gateway.KeyUpdate{Name: p.Name, Models: p.Models, Namespaces: p.Namespaces, AllowedIPs: p.AllowedIPs}
	if p.Limits != nil {
		l := gateway.Limits(*p.Limits)
		u.Limits = &l
	}
	if p.Budget != nil {
		b := gateway.Budget(*p.Budget)
		u.Budget = &b
	}
	if p.ExpiresAt != nil {
		u.ExpiresAt = &p.ExpiresAt.t
	}
	return u
}

// updateKey changes any key's name, scopes, limits or expiry.
func (s *Server) updateKey(w http.ResponseWriter, r *http.Request) {
	var in keyPatch
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	k, err := s.admin.UpdateKey(r.Context(), "", mux.Vars(r)["id"], in.update())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keyView(k))
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request) {
	k, err := s.admin.RevokeKey(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keyView(k))
}

// writeIssuedKey answers with a new key and, this once, its secret; the
// response must not be cached anywhere.
func writeIssuedKey(w http.ResponseWriter, k *gateway.Key, secret string) {
	out := keyView(k)
	out.Key = secret
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, out)
}
