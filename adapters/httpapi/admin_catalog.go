package httpapi

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
)

type modelInput struct {
	Aliases   []string   `json:"aliases"`
	Prices    pricesJSON `json:"prices"`
	MaxOutput int64      `json:"max_output"`
	OwnedBy   string     `json:"owned_by"`
}

// putModel creates or replaces the catalog entry named in the path.
func (s *Server) putModel(w http.ResponseWriter, r *http.Request) {
	var in modelInput
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.admin.PutModel(r.Context(), &gateway.Model{
		Name: mux.Vars(r)["name"], Aliases: in.Aliases, OwnedBy: in.OwnedBy,
		Prices: in.Prices.prices(), MaxOutput: in.MaxOutput,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, modelView(m))
}

func (s *Server) listCatalog(w http.ResponseWriter, r *http.Request) {
	ms, err := s.admin.Models(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, ms, modelView)
}

func (s *Server) deleteModel(w http.ResponseWriter, r *http.Request) {
	if err := s.admin.DeleteModel(r.Context(), mux.Vars(r)["name"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type bindingInput struct {
	Namespace string `json:"namespace"`
	Model     string `json:"model"`
	// ProviderID takes the provider's id or name.
	ProviderID    string `json:"provider_id"`
	UpstreamModel string `json:"upstream_model"`
	Priority      int    `json:"priority"`
	Weight        int    `json:"weight"`
}

func (s *Server) createBinding(w http.ResponseWriter, r *http.Request) {
	var in bindingInput
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.ProviderID == "" {
		s.writeError(w, r, gateway.Invalid("provider_id", "provider_id is required"))
		return
	}
	p, err := s.providerByRef(r.Context(), in.ProviderID)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		err = gateway.Invalid("provider_id", "no provider has the id or name %q", in.ProviderID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b, err := s.admin.CreateBinding(r.Context(), &gateway.Binding{
		Namespace: in.Namespace, Model: in.Model, ProviderID: p.ID,
		UpstreamModel: in.UpstreamModel, Priority: in.Priority, Weight: in.Weight,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, bindingView(b))
}

func (s *Server) listBindings(w http.ResponseWriter, r *http.Request) {
	bs, err := s.admin.Bindings(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, bs, bindingView)
}

func (s *Server) deleteBinding(w http.ResponseWriter, r *http.Request) {
	if err := s.admin.DeleteBinding(r.Context(), mux.Vars(r)["id"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
