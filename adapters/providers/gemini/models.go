package gemini

import (
	"context"
	"net/http"

	"github.com/tollgate-ai/tollgate/gateway"
)

// maxModelPages bounds the pages ListModels follows, should a server hand
// out next-page tokens without end.
const maxModelPages = 50

// ListModels returns the models cred may use, following nextPageToken
// through every page: the Gemini API's GET {base}/models, or on Vertex AI
// Google's publisher models (GET {root}/v1beta1/publishers/google/models).
// Names lose their "models/" (or ".../models/") prefix; each model is
// owned by "google". A successful call proves the credential works.
// Errors are as for Chat (CodeUpstream with Status 400, 401 or 403 for a
// rejected credential).
func (u *Upstream) ListModels(ctx context.Context, cred *gateway.Credential) ([]gateway.ModelInfo, error) {
	ctx, cancel := u.client.WithTimeout(ctx)
	defer cancel()
	var out []gateway.ModelInfo
	token := ""
	seen := map[string]bool{}
	for range maxModelPages {
		c, err := u.do(ctx, http.MethodGet, u.modelsURL(token), nil, cred, "application/json")
		if err != nil {
			return nil, err
		}
		var page struct {
			Models          []struct{ Name string } `json:"models"`
			PublisherModels []struct{ Name string } `json:"publisherModels"`
			NextPageToken   string                  `json:"nextPageToken"`
		}
		if err := c.Decode(ctx, &page); err != nil {
			return nil, err
		}
		for _, m := range append(page.Models, page.PublisherModels...) {
			if m.Name != "" {
				out = append(out, gateway.ModelInfo{ID: shortModel(m.Name), Object: "model", OwnedBy: "google"})
			}
		}
		token = page.NextPageToken
		if token == "" || seen[token] {
			break
		}
		seen[token] = true
	}
	return out, nil
}
