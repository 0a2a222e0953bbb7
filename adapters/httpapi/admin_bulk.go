package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// importCredentials serves POST /admin/providers/{id}/credentials/import:
// {"keys": "one secret per line", "weight": n} (or "keys" as a list). The
// answer is the summary; asked for application/x-ndjson, it streams a
// progress line after each batch ({"done","total"}) and the summary last,
// so a person importing thousands of keys sees it move.
func (s *Server) importCredentials(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Keys   json.RawMessage `json:"keys"`
		Weight int             `json:"weight"`
	}
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	var secrets []string
	var text string
	switch {
	case json.Unmarshal(in.Keys, &secrets) == nil:
	case json.Unmarshal(in.Keys, &text) == nil:
		secrets = strings.Split(text, "\n")
	default:
		s.writeError(w, r, gateway.Invalid("keys", "keys must be a list of secrets or one secret per line"))
		return
	}
	p, err := s.provider(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	streaming := strings.Contains(r.Header.Get("Accept"), "application/x-ndjson")
	var enc *json.Encoder
	var flusher http.Flusher
	var progress func(done, total int)
	if streaming {
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(http.StatusOK)
		enc = json.NewEncoder(w)
		flusher, _ = w.(http.Flusher)
		progress = func(done, total int) {
			_ = enc.Encode(map[string]int{"done": done, "total": total})
			if flusher != nil {
				flusher.Flush()
			}
		}
	}
	res, err := s.admin.ImportCredentials(r.Context(), p.ID, secrets, in.Weight, progress)
	summary := map[string]any{"added": res.Added, "duplicates": res.Duplicates, "empty": res.Empty}
	if err != nil {
		_, body := toBody(err)
		summary["error"] = body.Error
		if !streaming {
			s.writeError(w, r, err)
			return
		}
	}
	if streaming {
		_ = enc.Encode(summary)
		return
	}
	writeJSON(w, http.StatusOK, summary)
}

// deleteCredentials serves POST /admin/providers/{id}/credentials/delete:
// {"ids": [...]} or {"status": "invalid"}.
func (s *Server) deleteCredentials(w http.ResponseWriter, r *http.Request) {
	var in struct {
		IDs    []string       `json:"ids"`
		Status gateway.Status `json:"status"`
	}
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.provider(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.admin.DeleteCredentials(r.Context(), p.ID, in.IDs, in.Status)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"deleted": n})
}

// exportCredentials serves GET /admin/providers/{id}/credentials/export:
// the secrets, one per line, optionally only those in ?status=. It is the
// one route that answers with secrets: admins only, never logged.
func (s *Server) exportCredentials(w http.ResponseWriter, r *http.Request) {
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
	status := gateway.Status(r.URL.Query().Get("status"))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var b strings.Builder
	for _, c := range cs {
		if status == "" || c.Status == status {
			b.WriteString(c.Secret.Reveal())
			b.WriteByte('\n')
		}
	}
	_, _ = w.Write([]byte(b.String()))
}
