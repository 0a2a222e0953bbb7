package gateway

import "context"

// PutModel creates or replaces a catalog entry. CodeInvalid for a bad
// field.
func (a *Admin) PutModel(ctx context.Context, m *Model) (*Model, error) {
	now := a.g.clock.Now()
	if old, err := a.g.store.GetModel(ctx, m.Name); err == nil {
		m.CreatedAt = old.CreatedAt
	} else if !IsCode(err, CodeNotFound) {
		return nil, err
	} else {
		m.CreatedAt = now
	}
	m.UpdatedAt = now
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if err := a.g.store.PutModel(ctx, m); err != nil {
		return nil, err
	}
	a.changed(ctx)
	return m, nil
}

// Model returns a catalog entry. CodeNotFound if there is none.
func (a *Admin) Model(ctx context.Context, name string) (*Model, error) {
	return a.g.store.GetModel(ctx, name)
}

// Models returns the catalog.
func (a *Admin) Models(ctx context.Context) ([]*Model, error) { return a.g.store.ListModels(ctx) }

// DeleteModel removes a catalog entry. CodeNotFound if there is none.
func (a *Admin) DeleteModel(ctx context.Context, name string) error {
	if err := a.g.store.DeleteModel(ctx, name); err != nil {
		return err
	}
	a.changed(ctx)
	return nil
}

// CreateBinding adds a binding. CodeInvalid for a bad field; CodeNotFound
// if its provider does not exist.
func (a *Admin) CreateBinding(ctx context.Context, b *Binding) (*Binding, error) {
	if b.ID == "" {
		b.ID = a.g.ids.NewID("bnd_")
	}
	if b.Namespace == "" {
		b.Namespace = DefaultNamespace
	}
	b.CreatedAt = a.g.clock.Now()
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if err := a.g.store.CreateBinding(ctx, b); err != nil {
		return nil, err
	}
	a.changed(ctx)
	return b, nil
}

// Bindings returns every binding.
func (a *Admin) Bindings(ctx context.Context) ([]*Binding, error) { return a.g.store.ListBindings(ctx) }

// DeleteBinding removes a binding. CodeNotFound if there is none.
func (a *Admin) DeleteBinding(ctx context.Context, id string) error {
	if err := a.g.store.DeleteBinding(ctx, id); err != nil {
		return err
	}
	a.changed(ctx)
	return nil
}
