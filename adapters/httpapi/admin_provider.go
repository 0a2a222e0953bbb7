package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
)

type credentialInput struct {
	Name   string         `json:"name"`
	Secret string         `json:"secret"`
	Weight int            `json:"weight"`
	Status gateway.Status `json:"status"`
	// OAuth makes it an OAuth credential: secret, when given, is the
	// current access token.
	OAuth *oauthInput `json:"oauth"`
}

type oauthInput struct {
	TokenURL     string    `json:"token_url"`
	ClientID     string    `json:"client_id"`
	ClientSecret string    `json:"client_secret"`
	RefreshToken string    `json:"refresh_token"`
	Scopes       []string  `json:"scopes"`
	ExpiresAt    time.Time `json:"expires_at"`
}

func (in credentialInput) credential() *gateway.Credential {
	c := &gateway.Credential{Name: in.Name, Secret: gateway.Secret(in.Secret), Weight: in.Weight, Status: in.Status}
	if o := in.OAuth; o != nil {
		c.OAuth = &gateway.OAuth{TokenURL: o.TokenURL, ClientID: o.ClientID, ClientSecret: gateway.Secret(o.ClientSecret),
			RefreshToken: gateway.Secret(o.RefreshToken), Scopes: o.Scopes, Expiry: o.ExpiresAt}
	}
	return c
}

type providerInput struct {
	Name        string            `json:"name"`
	Type        string            `json:"type"`
	BaseURL     string            `json:"base_url"`
	Headers     map[string]string `json:"headers"`
	Models      []string          `json:"models"`
	Options     map[string]string `json:"options"`
	Status      gateway.Status    `json:"status"`
	Credentials []credentialInput `json:"credentials"`
}

type providerWithCredentials struct {
	providerJSON
	Credentials []credentialJSON `json:"credentials"`
}

// createProvider creates a provider and, when the body lists them, its
// first credentials.
func (s *Server) createProvider(w http.ResponseWriter, r *http.Request) {
	var in providerInput
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.admin.CreateProvider(r.Context(), &gateway.Provider{
		Name: in.Name, Type: in.Type, BaseURL: in.BaseURL, Headers: in.Headers,
		Models: in.Models, Options: in.Options, Status: in.Status,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := providerWithCredentials{providerJSON: providerView(p), Credentials: []credentialJSON{}}
	if len(in.Credentials) > 0 {
		cs := make([]*gateway.Credential, len(in.Credentials))
		for i, c := range in.Credentials {
			cs[i] = c.credential()
		}
		cs, err = s.admin.AddCredentials(r.Context(), p.ID, cs)
		if err != nil {
			// The provider stays, without credentials: say so rather than
			// pretend the whole request failed.
			s.writeError(w, r, err)
			return
		}
		for _, c := range cs {
			out.Credentials = append(out.Credentials, credentialView(c))
		}
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) listProviders(w http.ResponseWriter, r *http.Request) {
	ps, err := s.admin.Providers(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, ps, providerView)
}

// provider finds the provider named in the path.
func (s *Server) provider(r *http.Request) (*gateway.Provider, error) {
	return s.providerByRef(r.Context(), mux.Vars(r)["id"])
}

// providerByRef finds a provider by id or, failing that, by name.
func (s *Server) providerByRef(ctx context.Context, ref string) (*gateway.Provider, error) {
	p, err := s.admin.Provider(ctx, ref)
	if !gateway.IsCode(err, gateway.CodeNotFound) {
		return p, err
	}
	ps, lerr := s.admin.Providers(ctx)
	if lerr != nil {
		return nil, lerr
	}
	for _, p := range ps {
		if p.Name == ref {
			return p, nil
		}
	}
	return nil, err
}

func (s *Server) getProvider(w http.ResponseWriter, r *http.Request) {
	p, err := s.provider(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, providerView(p))
}

type providerPatch struct {
	Name    *string            `json:"name"`
	BaseURL *string            `json:"base_url"`
	Headers *map[string]string `json:"headers"`
	Models  *[]string          `json:"models"`
	Options *map[string]string `json:"options"`
	Status  *gateway.Status    `json:"status"`
}

func (s *Server) updateProvider(w http.ResponseWriter, r *http.Request) {
	var in providerPatch
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.provider(r)
	if err == nil {
		p, err = s.admin.UpdateProvider(r.Context(), p.ID, gateway.ProviderUpdate(in))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, providerView(p))
}

func (s *Server) deleteProvider(w http.ResponseWriter, r *http.Request) {
	p, err := s.provider(r)
	if err == nil {
		err = s.admin.DeleteProvider(r.Context(), p.ID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// addCredentials takes one credential object or an array of them, and
// stores all or none.
func (s *Server) addCredentials(w http.ResponseWriter, r *http.Request) {
	body, err := readAll(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var ins []credentialInput
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '{' {
		var one credentialInput
		err = dec.Decode(&one)
		ins = []credentialInput{one}
	} else {
		err = dec.Decode(&ins)
	}
	if err != nil {
		s.writeError(w, r, &gateway.Error{Code: gateway.CodeInvalid, Message: "the body must be a credential object or an array of them: " + err.Error()})
		return
	}
	p, err := s.provider(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cs := make([]*gateway.Credential, len(ins))
	for i, in := range ins {
		cs[i] = in.credential()
	}
	cs, err = s.admin.AddCredentials(r.Context(), p.ID, cs)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := list[credentialJSON]{Object: "list"}
	for _, c := range cs {
		out.Data = append(out.Data, credentialView(c))
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) listCredentials(w http.ResponseWriter, r *http.Request) {
	p, err := s.provider(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cs, err := s.admin.Credentials(r.Context(), p.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, cs, credentialView)
}

type credentialPatch struct {
	Name   *string         `json:"name"`
	Weight *int            `json:"weight"`
	Status *gateway.Status `json:"status"`
}

func (s *Server) updateCredential(w http.ResponseWriter, r *http.Request) {
	var in credentialPatch
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.admin.UpdateCredential(r.Context(), mux.Vars(r)["id"], gateway.CredentialUpdate(in))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, credentialView(c))
}

func (s *Server) deleteCredential(w http.ResponseWriter, r *http.Request) {
	if err := s.admin.DeleteCredential(r.Context(), mux.Vars(r)["id"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
