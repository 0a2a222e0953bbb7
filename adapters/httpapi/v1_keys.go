package httpapi

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
)

// accountRoutes are what an account sees of itself: its key management
// under /v1/keys (authorized by its master key), its realtime figures and
// its request logs.
func (s *Server) accountRoutes(v1 *mux.Router) {
	v1.HandleFunc("/keys", s.master(s.issueOwnKey)).Methods(http.MethodPost)
	v1.HandleFunc("/keys", s.master(s.listOwnKeys)).Methods(http.MethodGet)
	v1.HandleFunc("/keys/revoke-all", s.master(s.revokeOwnKeys)).Methods(http.MethodPost)
	v1.HandleFunc("/keys/{id}", s.master(s.revokeOwnKey)).Methods(http.MethodDelete)
	v1.HandleFunc("/keys/{id}", s.master(s.updateOwnKey)).Methods(http.MethodPatch)
	v1.HandleFunc("/realtime", s.client(s.ownRealtime)).Methods(http.MethodGet)
	v1.HandleFunc("/logs", s.client(s.ownLogs)).Methods(http.MethodGet)
}

// master wraps a handler with master-key authentication.
func (s *Server) master(h func(http.ResponseWriter, *http.Request, *gateway.Caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := bearer(r)
		if key == "" {
			s.writeError(w, r, &gateway.Error{Code: gateway.CodeUnauthenticated, Type: "missing_api_key", Message: "no master key: send it as Authorization: Bearer <key>"})
			return
		}
		c, err := s.gw.AuthenticateMaster(key, clientIP(r))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r, c)
	}
}

// issueOwnKey issues a client key of the caller's account; the response
// holds the key once, in "key".
func (s *Server) issueOwnKey(w http.ResponseWriter, r *http.Request, c *gateway.Caller) {
	var in keyInput
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	k, secret, err := s.admin.IssueKey(r.Context(), c.Account.ID, in.spec(), gateway.IssuedByAccount(c.Account.ID))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeIssuedKey(w, k, secret)
}

func (s *Server) listOwnKeys(w http.ResponseWriter, r *http.Request, c *gateway.Caller) {
	ks, err := s.admin.Keys(r.Context(), c.Account.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, ks, keyView)
}

func (s *Server) revokeOwnKey(w http.ResponseWriter, r *http.Request, c *gateway.Caller) {
	k, err := s.admin.RevokeAccountKey(r.Context(), c.Account.ID, mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keyView(k))
}

// updateOwnKey changes a key of the caller's account.
func (s *Server) updateOwnKey(w http.ResponseWriter, r *http.Request, c *gateway.Caller) {
	var in keyPatch
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	k, err := s.admin.UpdateKey(r.Context(), c.Account.ID, mux.Vars(r)["id"], in.update())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keyView(k))
}

// revokeOwnKeys raises the account's epoch: every client key it has stops
// working at once.
func (s *Server) revokeOwnKeys(w http.ResponseWriter, r *http.Request, c *gateway.Caller) {
	a, err := s.admin.RevokeAccountKeys(r.Context(), c.Account.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, accountView(a))
}
