package gatewaytest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// newProvider returns a valid provider with every field set.
func newProvider(id, name string, created time.Time) *gateway.Provider {
	return &gateway.Provider{
		ID:        id,
		Name:      name,
		Type:      "openai",
		BaseURL:   "https://api.example.com/v1",
		Headers:   map[string]string{"OpenAI-Organization": "org-1", "X-Team": "core"},
		Models:    []string{"gpt-4o*", "o3"},
		Options:   map[string]string{"chunks": "3"},
		Status:    gateway.StatusActive,
		CreatedAt: created,
		UpdatedAt: created.Add(time.Minute).In(elsewhere),
	}
}

func normProvider(p *gateway.Provider) gateway.Provider {
	c := *p
	c.Headers, c.Options = normMap(c.Headers), normMap(c.Options)
	c.Models = normStrings(c.Models)
	c.CreatedAt, c.UpdatedAt = normTime(c.CreatedAt), normTime(c.UpdatedAt)
	return c
}

// newCredential returns a valid credential with every field set.
func newCredential(id, provider string, created time.Time) *gateway.Credential {
	var oauth *gateway.OAuth
	if strings.HasSuffix(id, "a") || strings.HasSuffix(id, "1") { // the others are plain keys
		oauth = &gateway.OAuth{TokenURL: "https://auth.example.com/token", ClientID: "client-" + id,
			ClientSecret: gateway.Secret("cs-secret-" + id), RefreshToken: gateway.Secret("rt-secret-" + id), Scopes: []string{"a", "b"},
			Expiry: created.Add(time.Hour).In(elsewhere)}
	}
	return &gateway.Credential{
		OAuth:         oauth,
		ID:            id,
		ProviderID:    provider,
		Name:          "cred " + id,
		Secret:        gateway.Secret("sk-secret-" + id),
		Weight:        3,
		Status:        gateway.StatusDisabled,
		DisabledUntil: created.Add(time.Hour),
		StatusReason:  "3 failures in a row",
		CreatedAt:     created,
		UpdatedAt:     created.Add(time.Minute).In(elsewhere),
	}
}

func normCredential(c *gateway.Credential) gateway.Credential {
	n := *c
	n.CreatedAt, n.UpdatedAt, n.DisabledUntil = normTime(n.CreatedAt), normTime(n.UpdatedAt), normTime(n.DisabledUntil)
	if c.OAuth != nil {
		o := *c.OAuth
		o.Expiry = normTime(o.Expiry)
		n.OAuth = &o
	}
	return n
}

// mustCreateProvider creates providers and fails the test on error.
func mustCreateProvider(t *testing.T, s gateway.Store, ps ...*gateway.Provider) {
	t.Helper()
	for _, p := range ps {
		if err := s.CreateProvider(t.Context(), p); err != nil {
			t.Fatalf("CreateProvider(%s): %v", p.ID, err)
		}
	}
}

// twoProviders creates providers prv_1 and prv_2 with three credentials
// (out of order; crd_b and crd_c share a CreatedAt) and two bindings.
func twoProviders(t *testing.T, s gateway.Store) {
	t.Helper()
	mustCreateProvider(t, s, newProvider("prv_1", "one", at(0)), newProvider("prv_2", "two", at(0)))
	err := s.CreateCredentials(t.Context(), []*gateway.Credential{
		newCredential("crd_c", "prv_2", at(2)),
		newCredential("crd_a", "prv_1", at(1)),
		newCredential("crd_b", "prv_1", at(2)),
	})
	if err != nil {
		t.Fatalf("CreateCredentials: %v", err)
	}
	mustCreateBinding(t, s, newBinding("bnd_2", "prv_2", at(3)), newBinding("bnd_1", "prv_1", at(3)))
}

func credentialIDs(t *testing.T, s gateway.Store, f gateway.CredentialFilter) []string {
	t.Helper()
	cs, err := s.ListCredentials(t.Context(), f)
	if err != nil {
		t.Fatalf("ListCredentials: %v", err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func testCreateProvider(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := newProvider("prv_1", "openai", at(0))
		is.NoErr(s.CreateProvider(t.Context(), want))
		got, err := s.GetProvider(t.Context(), "prv_1")
		is.NoErr(err)
		is.Equal(normProvider(got), normProvider(want)) // every field round-trips
	})
	run(t, "OKZeroFields", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := &gateway.Provider{ID: "prv_1", Name: "mock", Type: "mock", Status: gateway.StatusDisabled}
		is.NoErr(s.CreateProvider(t.Context(), want))
		got, err := s.GetProvider(t.Context(), "prv_1")
		is.NoErr(err)
		is.Equal(normProvider(got), normProvider(want))
	})
	run(t, "ErrConflictID", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateProvider(t, s, newProvider("prv_1", "one", at(0)))
		is.Equal(codeOf(s.CreateProvider(t.Context(), newProvider("prv_1", "two", at(1)))), gateway.CodeConflict)
	})
	run(t, "ErrConflictName", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateProvider(t, s, newProvider("prv_1", "one", at(0)))
		is.Equal(codeOf(s.CreateProvider(t.Context(), newProvider("prv_2", "one", at(1)))), gateway.CodeConflict)
		_, err := s.GetProvider(t.Context(), "prv_2")
		is.Equal(codeOf(err), gateway.CodeNotFound) // nothing stored
	})
	run(t, "CopiesInput", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		p := newProvider("prv_1", "one", at(0))
		mustCreateProvider(t, s, p)
		p.Headers["X-Team"], p.Options["new"], p.Models[0] = "changed", "changed", "changed"
		got, err := s.GetProvider(t.Context(), "prv_1")
		is.NoErr(err)
		is.Equal(normProvider(got), normProvider(newProvider("prv_1", "one", at(0))))
	})
}

func testGetProvider(t *testing.T, newStore storeFactory) {
	run(t, "ErrNotFound", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		_, err := s.GetProvider(t.Context(), "prv_1")
		is.Equal(codeOf(err), gateway.CodeNotFound)
	})
	run(t, "ReturnsCopy", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := newProvider("prv_1", "one", at(0))
		mustCreateProvider(t, s, want)
		got, err := s.GetProvider(t.Context(), "prv_1")
		is.NoErr(err)
		got.Headers["X-Team"], got.Options["new"], got.Models[0] = "changed", "changed", "changed"
		got, err = s.GetProvider(t.Context(), "prv_1")
		is.NoErr(err)
		is.Equal(normProvider(got), normProvider(want))
	})
}

func testListProviders(t *testing.T, newStore storeFactory) {
	run(t, "OKOldestFirst", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateProvider(t, s,
			newProvider("prv_c", "c", at(2)), newProvider("prv_a", "a", at(1)),
			newProvider("prv_d", "d", at(3)), newProvider("prv_b", "b", at(2)),
		)
		got, err := s.ListProviders(t.Context())
		is.NoErr(err)
		var ids []string
		for _, p := range got {
			ids = append(ids, p.ID)
		}
		is.Equal(ids, []string{"prv_a", "prv_b", "prv_c", "prv_d"}) // by CreatedAt, then ID
		is.Equal(normProvider(got[0]), normProvider(newProvider("prv_a", "a", at(1))))
	})
	run(t, "ReturnsCopies", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := newProvider("prv_1", "one", at(0))
		mustCreateProvider(t, s, want)
		got, err := s.ListProviders(t.Context())
		is.NoErr(err)
		got[0].Headers["X-Team"], got[0].Models[0] = "changed", "changed"
		got, err = s.ListProviders(t.Context())
		is.NoErr(err)
		is.Equal(normProvider(got[0]), normProvider(want))
	})
}

func testUpdateProvider(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		created := newProvider("prv_1", "one", at(0))
		mustCreateProvider(t, s, created)
		want := gateway.Provider{
			ID: "prv_1", Name: "uno", Type: "mock", BaseURL: "http://localhost:8080",
			Headers: map[string]string{"A": "b"}, Models: []string{"*"}, Options: map[string]string{"delay": "1s"},
			Status: gateway.StatusDisabled, CreatedAt: at(0), UpdatedAt: at(60),
		}
		var seen gateway.Provider
		updated, err := s.UpdateProvider(t.Context(), "prv_1", func(p *gateway.Provider) error {
			seen = normProvider(p)
			id := p.ID
			*p = want
			p.ID = id
			return nil
		})
		is.NoErr(err)
		is.Equal(seen, normProvider(created))                // fn gets the stored provider
		is.Equal(normProvider(updated), normProvider(&want)) // returns the result
		got, err := s.GetProvider(t.Context(), "prv_1")
		is.NoErr(err)
		is.Equal(normProvider(got), normProvider(&want)) // the update persists
	})
	run(t, "OKSameName", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateProvider(t, s, newProvider("prv_1", "one", at(0)))
		_, err := s.UpdateProvider(t.Context(), "prv_1", func(p *gateway.Provider) error {
			p.Status = gateway.StatusDisabled
			return nil
		})
		is.NoErr(err) // keeping its own name is no conflict
	})
	run(t, "ErrNotFound", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		_, err := s.UpdateProvider(t.Context(), "prv_1", func(*gateway.Provider) error { return nil })
		is.Equal(codeOf(err), gateway.CodeNotFound)
	})
	run(t, "ErrFromFn", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := newProvider("prv_1", "one", at(0))
		mustCreateProvider(t, s, want)
		_, err := s.UpdateProvider(t.Context(), "prv_1", func(p *gateway.Provider) error {
			p.Name, p.Headers["X-Team"] = "changed", "changed"
			return errAbort
		})
		is.True(errors.Is(err, errAbort)) // fn's error is returned
		got, err := s.GetProvider(t.Context(), "prv_1")
		is.NoErr(err)
		is.Equal(normProvider(got), normProvider(want)) // and nothing is saved
	})
	run(t, "ErrConflictName", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateProvider(t, s, newProvider("prv_1", "one", at(0)), newProvider("prv_2", "two", at(1)))
		_, err := s.UpdateProvider(t.Context(), "prv_2", func(p *gateway.Provider) error {
			p.Name = "one"
			return nil
		})
		is.Equal(codeOf(err), gateway.CodeConflict)
		got, err := s.GetProvider(t.Context(), "prv_2")
		is.NoErr(err)
		is.Equal(got.Name, "two") // nothing is saved
	})
}

func testDeleteProvider(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateProvider(t, s, newProvider("prv_1", "one", at(0)), newProvider("prv_2", "two", at(1)))
		is.NoErr(s.DeleteProvider(t.Context(), "prv_1"))
		_, err := s.GetProvider(t.Context(), "prv_1")
		is.Equal(codeOf(err), gateway.CodeNotFound)
		_, err = s.GetProvider(t.Context(), "prv_2")
		is.NoErr(err)                                                // the other provider stays
		mustCreateProvider(t, s, newProvider("prv_3", "one", at(2))) // the name is free again
	})
	run(t, "ErrNotFound", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		is.Equal(codeOf(s.DeleteProvider(t.Context(), "prv_1")), gateway.CodeNotFound)
	})
	run(t, "CascadesCredentialsAndBindings", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		twoProviders(t, s)
		is.NoErr(s.DeleteProvider(t.Context(), "prv_1"))
		is.Equal(credentialIDs(t, s, gateway.CredentialFilter{}), []string{"crd_c"}) // prv_1's credentials are gone
		is.Equal(bindingIDs(t, s), []string{"bnd_2"})                                // and so are its bindings
		is.Equal(len(credentialIDs(t, s, gateway.CredentialFilter{ProviderID: "prv_1"})), 0)
	})
}

func testCreateCredentials(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateProvider(t, s, newProvider("prv_1", "one", at(0)))
		want := newCredential("crd_1", "prv_1", at(1))
		is.NoErr(s.CreateCredentials(t.Context(), []*gateway.Credential{want}))
		got, err := s.ListCredentials(t.Context(), gateway.CredentialFilter{})
		is.NoErr(err)
		is.Equal(len(got), 1)
		is.Equal(normCredential(got[0]), normCredential(want)) // every field round-trips
		is.Equal(got[0].Secret.Reveal(), "sk-secret-crd_1")    // the Secret too
	})
	run(t, "OKEmpty", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		is.NoErr(s.CreateCredentials(t.Context(), nil))
	})
	run(t, "ErrConflictID", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		twoProviders(t, s)
		err := s.CreateCredentials(t.Context(), []*gateway.Credential{
			newCredential("crd_x", "prv_1", at(5)),
			newCredential("crd_a", "prv_2", at(5)), // taken
			newCredential("crd_y", "prv_2", at(5)),
		})
		is.Equal(codeOf(err), gateway.CodeConflict)
		is.Equal(credentialIDs(t, s, gateway.CredentialFilter{}), []string{"crd_a", "crd_b", "crd_c"}) // none stored
	})
	run(t, "ErrConflictWithinBatch", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateProvider(t, s, newProvider("prv_1", "one", at(0)))
		err := s.CreateCredentials(t.Context(), []*gateway.Credential{
			newCredential("crd_1", "prv_1", at(1)),
			newCredential("crd_1", "prv_1", at(2)),
		})
		is.Equal(codeOf(err), gateway.CodeConflict)
		is.Equal(len(credentialIDs(t, s, gateway.CredentialFilter{})), 0) // none stored
	})
	run(t, "ErrNotFoundProvider", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateProvider(t, s, newProvider("prv_1", "one", at(0)))
		err := s.CreateCredentials(t.Context(), []*gateway.Credential{
			newCredential("crd_1", "prv_1", at(1)),
			newCredential("crd_2", "prv_2", at(1)), // no such provider
		})
		is.Equal(codeOf(err), gateway.CodeNotFound)
		is.Equal(len(credentialIDs(t, s, gateway.CredentialFilter{})), 0) // none stored
	})
}

func testListCredentials(t *testing.T, newStore storeFactory) {
	run(t, "OKOldestFirst", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		twoProviders(t, s)
		is.Equal(credentialIDs(t, s, gateway.CredentialFilter{}), []string{"crd_a", "crd_b", "crd_c"}) // by CreatedAt, then ID
	})
	run(t, "FilterProviderID", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		twoProviders(t, s)
		is.Equal(credentialIDs(t, s, gateway.CredentialFilter{ProviderID: "prv_1"}), []string{"crd_a", "crd_b"})
		is.Equal(credentialIDs(t, s, gateway.CredentialFilter{ProviderID: "prv_2"}), []string{"crd_c"})
		is.Equal(len(credentialIDs(t, s, gateway.CredentialFilter{ProviderID: "prv_3"})), 0)
	})
	run(t, "ReturnsCopies", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		twoProviders(t, s)
		got, err := s.ListCredentials(t.Context(), gateway.CredentialFilter{ProviderID: "prv_2"})
		is.NoErr(err)
		got[0].Secret, got[0].Weight = "changed", 99
		got, err = s.ListCredentials(t.Context(), gateway.CredentialFilter{ProviderID: "prv_2"})
		is.NoErr(err)
		is.Equal(normCredential(got[0]), normCredential(newCredential("crd_c", "prv_2", at(2))))
	})
}

func testUpdateCredential(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		twoProviders(t, s)
		want := *newCredential("crd_a", "prv_1", at(1))
		want.Name, want.Secret, want.Weight = "rotated", "sk-new", 10
		want.Status, want.UpdatedAt = gateway.StatusDisabled, at(60)
		want.OAuth.RefreshToken, want.OAuth.Expiry = "rt-rotated", at(120) // a token refresh
		updated, err := s.UpdateCredential(t.Context(), "crd_a", func(c *gateway.Credential) error {
			c.Name, c.Secret, c.Weight, c.Status, c.UpdatedAt = want.Name, want.Secret, want.Weight, want.Status, want.UpdatedAt
			c.OAuth.RefreshToken, c.OAuth.Expiry = want.OAuth.RefreshToken, want.OAuth.Expiry
			return nil
		})
		is.NoErr(err)
		is.Equal(normCredential(updated), normCredential(&want)) // returns the result
		got, err := s.ListCredentials(t.Context(), gateway.CredentialFilter{ProviderID: "prv_1"})
		is.NoErr(err)
		is.Equal(normCredential(got[0]), normCredential(&want)) // the update persists
		is.Equal(got[0].Secret.Reveal(), "sk-new")
	})
	run(t, "ErrNotFound", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		_, err := s.UpdateCredential(t.Context(), "crd_1", func(*gateway.Credential) error { return nil })
		is.Equal(codeOf(err), gateway.CodeNotFound)
	})
	run(t, "ErrFromFn", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		twoProviders(t, s)
		_, err := s.UpdateCredential(t.Context(), "crd_c", func(c *gateway.Credential) error {
			c.Weight = 99
			return errAbort
		})
		is.True(errors.Is(err, errAbort)) // fn's error is returned
		got, err := s.ListCredentials(t.Context(), gateway.CredentialFilter{ProviderID: "prv_2"})
		is.NoErr(err)
		is.Equal(normCredential(got[0]), normCredential(newCredential("crd_c", "prv_2", at(2)))) // and nothing is saved
	})
}

func testDeleteCredential(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		twoProviders(t, s)
		is.NoErr(s.DeleteCredential(t.Context(), "crd_b"))
		is.Equal(credentialIDs(t, s, gateway.CredentialFilter{}), []string{"crd_a", "crd_c"})
	})
	run(t, "ErrNotFound", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		is.Equal(codeOf(s.DeleteCredential(t.Context(), "crd_1")), gateway.CodeNotFound)
	})
}
