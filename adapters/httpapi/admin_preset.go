package httpapi

import (
	"net/http"

	"github.com/tollgate-ai/tollgate/gateway"
)

type presetJSON struct {
	Name        string            `json:"name"`
	Title       string            `json:"title"`
	Type        string            `json:"type"`
	BaseURL     string            `json:"base_url"`
	Models      []string          `json:"models"`
	Options     map[string]string `json:"options"`
	Headers     map[string]string `json:"headers"`
	KeyOptional bool              `json:"key_optional"`
	Docs        string            `json:"docs,omitempty"`
}

func (s *Server) listPresets(w http.ResponseWriter, _ *http.Request) {
	ps := s.admin.Presets()
	out := make([]presetJSON, len(ps))
	for i, p := range ps {
		out[i] = presetJSON{Name: p.Name, Title: p.Title, Type: p.Type, BaseURL: p.BaseURL, Models: nonNil(p.Models),
			Options: p.Options, Headers: p.Headers, KeyOptional: p.KeyOptional, Docs: p.Docs}
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": out})
}

// createFromPreset serves POST /admin/providers/preset: a provider from a
// preset's name and a key.
func (s *Server) createFromPreset(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Preset  string   `json:"preset"`
		Name    string   `json:"name"`
		BaseURL string   `json:"base_url"`
		Models  []string `json:"models"`
		Key     string   `json:"key"`
	}
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, creds, err := s.admin.CreateProviderFromPreset(r.Context(), gateway.FromPreset{
		Preset: in.Preset, Name: in.Name, BaseURL: in.BaseURL, Models: in.Models, Key: gateway.Secret(in.Key)})
	s.writeCreated(w, r, p, creds, err)
}

// createCustom serves POST /admin/providers/custom: a provider on any
// OpenAI-compatible base URL.
func (s *Server) createCustom(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name    string            `json:"name"`
		BaseURL string            `json:"base_url"`
		Models  []string          `json:"models"`
		Headers map[string]string `json:"headers"`
		Auth    string            `json:"auth"`
		Key     string            `json:"key"`
	}
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, creds, err := s.admin.CreateCustomProvider(r.Context(), gateway.Custom{
		Name: in.Name, BaseURL: in.BaseURL, Models: in.Models, Headers: in.Headers, Auth: in.Auth, Key: gateway.Secret(in.Key)})
	s.writeCreated(w, r, p, creds, err)
}

// writeCreated answers a provider created with its credentials; when the
// key was refused after the provider was made, the error says so.
func (s *Server) writeCreated(w http.ResponseWriter, r *http.Request, p *gateway.Provider, creds []*gateway.Credential, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := providerWithCredentials{providerJSON: providerView(p), Credentials: []credentialJSON{}}
	for _, c := range creds {
		out.Credentials = append(out.Credentials, credentialView(c))
	}
	writeJSON(w, http.StatusCreated, out)
}
