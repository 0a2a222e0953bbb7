package mock

import (
	"context"

	"github.com/tollgate-ai/tollgate/gateway"
)

// ListModels returns the provider's model names that are not patterns,
// or "mock-1" when there are none, created when the provider was. Latency and fail apply as for Chat.
func (u *Upstream) ListModels(ctx context.Context, _ *gateway.Credential) ([]gateway.ModelInfo, error) {
	if err := u.begin(ctx); err != nil {
		return nil, err
	}
	names := u.models
	if len(names) == 0 {
		names = []string{"mock-1"}
	}
	out := make([]gateway.ModelInfo, len(names))
	for i, name := range names {
		out[i] = gateway.ModelInfo{ID: name, Object: "model", Created: u.created, OwnedBy: "tollgate-mock"}
	}
	return out, nil
}
