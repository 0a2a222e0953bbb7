package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

type validationResultJSON struct {
	CredentialID string         `json:"credential_id"`
	Name         string         `json:"name"`
	OK           bool           `json:"ok"`
	Error        string         `json:"error,omitempty"`
	Status       gateway.Status `json:"status"`
}

type validationRunJSON struct {
	ID         string                 `json:"id"`
	ProviderID string                 `json:"provider_id"`
	Started    time.Time              `json:"started"`
	Finished   time.Time              `json:"finished"`
	Checked    int                    `json:"checked"`
	Skipped    int                    `json:"skipped"`
	Valid      int                    `json:"valid"`
	Results    []validationResultJSON `json:"results"`
}

func validationRunView(r *gateway.ValidationRun) validationRunJSON {
	v := validationRunJSON{ID: r.ID, ProviderID: r.ProviderID, Started: r.Started, Finished: r.Finished, Checked: r.Checked,
		Skipped: r.Skipped, Valid: r.Valid, Results: []validationResultJSON{}}
	for _, x := range r.Results {
		v.Results = append(v.Results, validationResultJSON{x.CredentialID, x.Name, x.OK, x.Error, x.Status})
	}
	return v
}

// validateProvider serves POST /admin/validation/providers/{id}: states,
// skip_validated_within_seconds, concurrency and batch_size, all
// optional. With Accept: application/x-ndjson it streams a progress line
// per batch, then the run.
func (s *Server) validateProvider(w http.ResponseWriter, r *http.Request) {
	var in struct {
		States      []gateway.Status `json:"states"`
		SkipWithin  int64            `json:"skip_validated_within_seconds"`
		Concurrency int              `json:"concurrency"`
		BatchSize   int              `json:"batch_size"`
	}
	if err := decodeOptional(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.provider(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o := gateway.ValidateOptions{States: in.States, SkipWithin: time.Duration(in.SkipWithin) * time.Second,
		Concurrency: in.Concurrency, Batch: in.BatchSize}
	var progress func(done, total int)
	var enc *json.Encoder
	streaming := strings.Contains(r.Header.Get("Accept"), "application/x-ndjson")
	if streaming {
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(http.StatusOK)
		enc = json.NewEncoder(w)
		flusher, _ := w.(http.Flusher)
		progress = func(done, total int) {
			_ = enc.Encode(map[string]int{"done": done, "total": total})
			if flusher != nil {
				flusher.Flush()
			}
		}
	}
	run, err := s.admin.ValidateProvider(r.Context(), p.ID, o, progress)
	switch {
	case err != nil && streaming:
		_, body := toBody(err)
		_ = enc.Encode(body)
	case err != nil:
		s.writeError(w, r, err)
	case streaming:
		_ = enc.Encode(validationRunView(run))
	default:
		writeJSON(w, http.StatusOK, validationRunView(run))
	}
}

// validationHistory serves GET /admin/validation/history: the last runs,
// newest first.
func (s *Server) validationHistory(w http.ResponseWriter, r *http.Request) {
	runs, err := s.admin.ValidationHistory(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, runs, validationRunView)
}
