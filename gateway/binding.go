package gateway

import (
	"context"
	"time"
)

// Binding sends requests for a model in a namespace to a provider. The
// bindings that match a request, ordered by Priority (lowest first), form
// its provider chain; bindings of the same priority share their place in
// it by Weight: each request tries them in an order drawn by weight, so
// a binding of weight 3 comes first three times as often as one of
// weight 1.
type Binding struct {
	ID        string
	Namespace string
	// Model is an exact name or a path.Match pattern ("gpt-4o*", "*").
	Model      string
	ProviderID string
	// UpstreamModel, when set, replaces the model name sent upstream.
	UpstreamModel string
	Priority      int
	// Weight is the binding's share among those of its priority; 0
	// counts as 1.
	Weight    int
	CreatedAt time.Time
}

// Validate reports the first field at fault as a CodeInvalid error.
func (b *Binding) Validate() error {
	if b.Namespace == "" {
		return Invalid("namespace", "namespace is required")
	}
	if !validPattern(b.Model) {
		return Invalid("model", "model must be a name, a wildcard pattern, or re: and a regular expression")
	}
	if b.ProviderID == "" {
		return Invalid("provider_id", "provider_id is required")
	}
	if b.Weight < 0 || b.Weight > 1000 {
		return Invalid("weight", "weight must be between 1 and 1000 (0 counts as 1)")
	}
	return nil
}

// Matches reports whether the binding applies to model in namespace.
func (b *Binding) Matches(namespace, model string) bool {
	if b.Namespace != namespace {
		return false
	}
	return matchModel(b.Model, model)
}

// BindingStore keeps bindings.
type BindingStore interface {
	// CreateBinding stores a new binding. CodeConflict if its ID is taken;
	// CodeNotFound if its provider does not exist.
	CreateBinding(ctx context.Context, b *Binding) error
	// ListBindings returns every binding, oldest first.
	ListBindings(ctx context.Context) ([]*Binding, error)
	// DeleteBinding removes the binding. CodeNotFound if there is none.
	DeleteBinding(ctx context.Context, id string) error
}
