package anthropic

import (
	"context"
	"net/http"
	"net/url"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// maxModelPages bounds how many pages ListModels follows, should a
// provider keep saying has_more.
const maxModelPages = 100

// ListModels returns the models of GET {base}/v1/models that cred may use,
// following the has_more/after_id pagination; a successful call proves
// the credential works. Each becomes a ModelInfo with object "model",
// created from created_at, and owned_by "anthropic". Errors are as for
// Chat (CodeUpstream with Status 401 for a rejected credential).
func (u *Upstream) ListModels(ctx context.Context, cred *gateway.Credential) ([]gateway.ModelInfo, error) {
	ctx, cancel := u.client.WithTimeout(ctx)
	defer cancel()
	var out []gateway.ModelInfo
	after := ""
	for range maxModelPages {
		q := url.Values{"limit": {"1000"}}
		if after != "" {
			q.Set("after_id", after)
		}
		c, err := u.do(ctx, http.MethodGet, u.modelsURL+"?"+q.Encode(), nil, cred, "application/json")
		if err != nil {
			return nil, err
		}
		var page anthropicwire.ModelList
		if err := c.Decode(ctx, &page); err != nil {
			return nil, err
		}
		for _, m := range page.Data {
			info := gateway.ModelInfo{ID: m.ID, Object: "model", OwnedBy: "anthropic"}
			if !m.CreatedAt.IsZero() {
				info.Created = m.CreatedAt.Unix()
			}
			out = append(out, info)
		}
		next := string(page.LastID)
		if !page.HasMore || next == "" || next == after {
			break
		}
		after = next
	}
	if out == nil {
		out = []gateway.ModelInfo{}
	}
	return out, nil
}
