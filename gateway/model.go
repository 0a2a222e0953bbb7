package gateway

import (
	"context"
	"time"
)

// Micros is an amount of money in millionths of a credit (1 credit = 1 USD
// = 1,000,000 micros). Money is never a float.
type Micros int64

// Prices are what a model costs, in micros per million tokens.
type Prices struct {
	Input       Micros
	CachedInput Micros
	Output      Micros
}

// Cost returns what u costs at p, rounded up to the next micro so that
// many small requests cannot add up to free tokens.
func (p Prices) Cost(u Usage) Micros {
	cached := int64(u.CachedTokens())
	uncached := int64(u.PromptTokens) - cached
	if uncached < 0 {
		uncached = 0
	}
	perMillion := uncached*int64(p.Input) + cached*int64(p.CachedInput) + int64(u.CompletionTokens)*int64(p.Output)
	return Micros((perMillion + 999_999) / 1_000_000)
}

// Model is an entry of the model catalog: a name clients use, its aliases,
// and its prices.
type Model struct {
	Name    string
	Aliases []string
	Prices  Prices
	// OwnedBy is shown in GET /v1/models.
	OwnedBy   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate reports the first field at fault as a CodeInvalid error.
func (m *Model) Validate() error {
	if m.Name == "" || len(m.Name) > 200 {
		return Invalid("name", "name is required and at most 200 characters")
	}
	for _, a := range m.Aliases {
		if a == "" || a == m.Name {
			return Invalid("aliases", "alias %q is empty or repeats the name", a)
		}
	}
	if m.Prices.Input < 0 || m.Prices.CachedInput < 0 || m.Prices.Output < 0 {
		return Invalid("prices", "prices must not be negative")
	}
	return nil
}

// ModelStore keeps the model catalog.
type ModelStore interface {
	// PutModel creates or replaces the model with m.Name.
	PutModel(ctx context.Context, m *Model) error
	// GetModel returns the model. CodeNotFound if there is none.
	GetModel(ctx context.Context, name string) (*Model, error)
	// ListModels returns every model, by name.
	ListModels(ctx context.Context) ([]*Model, error)
	// DeleteModel removes the model. CodeNotFound if there is none.
	DeleteModel(ctx context.Context, name string) error
}
