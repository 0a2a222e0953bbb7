package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/gateway"
)

// TestMatchesMemory runs the same calls on the memory Store and on this
// one and checks that they answer alike: the same Code and the same
// client-safe message for every error, including the cases where more
// than one error applies.
func TestMatchesMemory(t *testing.T) {
	account := func(id, name string) *gateway.Account {
		return &gateway.Account{ID: id, Name: name, Status: gateway.StatusActive, DefaultNamespace: "d"}
	}
	key := func(id, acc, digest string) *gateway.Key {
		return &gateway.Key{ID: id, AccountID: acc, Digest: digest, Status: gateway.StatusActive}
	}
	provider := func(id, name string) *gateway.Provider {
		return &gateway.Provider{ID: id, Name: name, Type: "mock", Status: gateway.StatusActive}
	}
	cred := func(id, prv string) *gateway.Credential {
		return &gateway.Credential{ID: id, ProviderID: prv, Secret: "sk", Weight: 1, Status: gateway.StatusActive}
	}
	binding := func(id, prv string) *gateway.Binding {
		return &gateway.Binding{ID: id, Namespace: "d", Model: "*", ProviderID: prv}
	}
	rename := func(name string) func(*gateway.Account) error {
		return func(a *gateway.Account) error { a.Name = name; return nil }
	}
	calls := []struct {
		name string
		call func(ctx context.Context, s gateway.Store) error
	}{
		{"CreateAccount", func(ctx context.Context, s gateway.Store) error {
			return s.CreateAccount(ctx, account("acc_1", "acme"))
		}},
		{"CreateAccountTakenID", func(ctx context.Context, s gateway.Store) error { return s.CreateAccount(ctx, account("acc_1", "x")) }},
		{"CreateAccountTakenName", func(ctx context.Context, s gateway.Store) error {
			return s.CreateAccount(ctx, account("acc_2", "acme"))
		}},
		{"CreateAccount2", func(ctx context.Context, s gateway.Store) error { return s.CreateAccount(ctx, account("acc_2", "b")) }},
		{"UpdateAccountTakenName", func(ctx context.Context, s gateway.Store) error {
			_, err := s.UpdateAccount(ctx, "acc_2", rename("acme"))
			return err
		}},
		{"UpdateAccountMissing", func(ctx context.Context, s gateway.Store) error {
			_, err := s.UpdateAccount(ctx, "acc_9", rename("z"))
			return err
		}},
		{"GetAccountMissing", func(ctx context.Context, s gateway.Store) error { _, err := s.GetAccount(ctx, "acc_9"); return err }},
		{"CreateKey", func(ctx context.Context, s gateway.Store) error { return s.CreateKey(ctx, key("key_1", "acc_1", "d1")) }},
		{"CreateKeyTakenIDNoAccount", func(ctx context.Context, s gateway.Store) error { return s.CreateKey(ctx, key("key_1", "acc_9", "d9")) }},
		{"CreateKeyNoAccountTakenDigest", func(ctx context.Context, s gateway.Store) error { return s.CreateKey(ctx, key("key_2", "acc_9", "d1")) }},
		{"CreateKeyTakenDigest", func(ctx context.Context, s gateway.Store) error { return s.CreateKey(ctx, key("key_2", "acc_1", "d1")) }},
		{"CreateKeyNoAccount", func(ctx context.Context, s gateway.Store) error { return s.CreateKey(ctx, key("key_2", "acc_9", "d2")) }},
		{"CreateKey2", func(ctx context.Context, s gateway.Store) error { return s.CreateKey(ctx, key("key_2", "acc_1", "d2")) }},
		{"UpdateKeyTakenDigest", func(ctx context.Context, s gateway.Store) error {
			_, err := s.UpdateKey(ctx, "key_2", func(k *gateway.Key) error { k.Digest = "d1"; return nil })
			return err
		}},
		{"GetKeyMissing", func(ctx context.Context, s gateway.Store) error { _, err := s.GetKey(ctx, "key_9"); return err }},
		{"CreateProvider", func(ctx context.Context, s gateway.Store) error {
			return s.CreateProvider(ctx, provider("prv_1", "one"))
		}},
		{"CreateProviderTakenID", func(ctx context.Context, s gateway.Store) error { return s.CreateProvider(ctx, provider("prv_1", "x")) }},
		{"CreateProviderTakenName", func(ctx context.Context, s gateway.Store) error {
			return s.CreateProvider(ctx, provider("prv_2", "one"))
		}},
		{"CreateProvider2", func(ctx context.Context, s gateway.Store) error {
			return s.CreateProvider(ctx, provider("prv_2", "two"))
		}},
		{"UpdateProviderTakenName", func(ctx context.Context, s gateway.Store) error {
			_, err := s.UpdateProvider(ctx, "prv_2", func(p *gateway.Provider) error { p.Name = "one"; return nil })
			return err
		}},
		{"CreateCredentialsTakenInBatch", func(ctx context.Context, s gateway.Store) error {
			return s.CreateCredentials(ctx, []*gateway.Credential{cred("crd_1", "prv_1"), cred("crd_1", "prv_1")})
		}},
		{"CreateCredentialsNoProvider", func(ctx context.Context, s gateway.Store) error {
			return s.CreateCredentials(ctx, []*gateway.Credential{cred("crd_1", "prv_1"), cred("crd_2", "prv_9")})
		}},
		{"CreateCredentials", func(ctx context.Context, s gateway.Store) error {
			return s.CreateCredentials(ctx, []*gateway.Credential{cred("crd_1", "prv_1")})
		}},
		{"CreateCredentialsTakenID", func(ctx context.Context, s gateway.Store) error {
			return s.CreateCredentials(ctx, []*gateway.Credential{cred("crd_2", "prv_9"), cred("crd_1", "prv_1")})
		}},
		{"UpdateCredentialMissing", func(ctx context.Context, s gateway.Store) error {
			_, err := s.UpdateCredential(ctx, "crd_9", func(*gateway.Credential) error { return nil })
			return err
		}},
		{"DeleteCredentialMissing", func(ctx context.Context, s gateway.Store) error { return s.DeleteCredential(ctx, "crd_9") }},
		{"CreateBindingNoProvider", func(ctx context.Context, s gateway.Store) error {
			return s.CreateBinding(ctx, binding("bnd_1", "prv_9"))
		}},
		{"CreateBinding", func(ctx context.Context, s gateway.Store) error {
			return s.CreateBinding(ctx, binding("bnd_1", "prv_1"))
		}},
		{"CreateBindingTakenID", func(ctx context.Context, s gateway.Store) error {
			return s.CreateBinding(ctx, binding("bnd_1", "prv_2"))
		}},
		{"DeleteBindingMissing", func(ctx context.Context, s gateway.Store) error { return s.DeleteBinding(ctx, "bnd_9") }},
		{"DeleteProviderMissing", func(ctx context.Context, s gateway.Store) error { return s.DeleteProvider(ctx, "prv_9") }},
		{"GetModelMissing", func(ctx context.Context, s gateway.Store) error { _, err := s.GetModel(ctx, "m"); return err }},
		{"DeleteModelMissing", func(ctx context.Context, s gateway.Store) error { return s.DeleteModel(ctx, "m") }},
	}
	forEachDialect(t, func(t *testing.T, dsn string) {
		mem, sql := memory.NewStore(), openMigrated(t, dsn, nil)
		for _, c := range calls {
			want, got := c.call(t.Context(), mem), c.call(t.Context(), sql)
			if gateway.ErrorCode(got) != gateway.ErrorCode(want) || gateway.ErrorMessage(got) != gateway.ErrorMessage(want) {
				t.Errorf("%s: got %v, want %v", c.name, got, want)
			}
		}
	})
}

// TestOrderMatchesMemory checks the List orders on times that text
// comparison could get wrong: whole seconds next to fractions, a
// microsecond either side of a second, other locations, and the zero
// time.
func TestOrderMatchesMemory(t *testing.T) {
	base := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	times := []time.Time{
		base, base.Add(time.Microsecond), base.Add(-time.Microsecond), base.Add(500 * time.Millisecond),
		base.Add(100 * time.Millisecond), base.Add(time.Second), base.Add(510 * time.Millisecond).In(time.FixedZone("", -7*3600)),
		{}, base, base.Add(10 * time.Microsecond), base.AddDate(-30, 0, 0), base.AddDate(0, 0, 1).In(time.FixedZone("", 14*3600)),
	}
	forEachDialect(t, func(t *testing.T, dsn string) {
		is := is.New(t)
		ctx := t.Context()
		mem, sql := memory.NewStore(), openMigrated(t, dsn, nil)
		var rs []*gateway.RequestRecord
		for i, tm := range times {
			id := fmt.Sprintf("x_%02d", (i*7)%len(times)) // IDs out of time order
			rs = append(rs, &gateway.RequestRecord{ID: id, Time: tm, AccountID: "acc_1"})
			for _, s := range []gateway.Store{mem, sql} {
				is.NoErr(s.CreateAccount(ctx, &gateway.Account{ID: id, Name: id, Status: gateway.StatusActive, DefaultNamespace: "d", CreatedAt: tm}))
			}
		}
		rs = append(rs, &gateway.RequestRecord{ID: "x_00", Time: base, Model: "a retry"}) // kept once, as first written
		for _, s := range []gateway.Store{mem, sql} {
			is.NoErr(s.InsertRecords(ctx, rs))
		}
		accountIDs := func(s gateway.Store) (ids []string) {
			as, err := s.ListAccounts(ctx)
			is.NoErr(err)
			for _, a := range as {
				ids = append(ids, a.ID)
			}
			return ids
		}
		recordIDs := func(s gateway.Store) (ids []string) {
			got, err := s.ListRecords(ctx, gateway.RecordFilter{AccountID: "acc_1"})
			is.NoErr(err)
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			return ids
		}
		is.Equal(accountIDs(sql), accountIDs(mem)) // oldest first, the zero time first
		is.Equal(recordIDs(sql), recordIDs(mem))   // newest first, the zero time last
	})
}

// TestInsertRecordsLargeBatch writes more records than one statement
// holds.
func TestInsertRecordsLargeBatch(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn string) {
		is := is.New(t)
		s := openMigrated(t, dsn, nil)
		var rs []*gateway.RequestRecord
		for i := range 1234 {
			rs = append(rs, &gateway.RequestRecord{ID: fmt.Sprintf("req_%04d", i), Time: time.Unix(int64(i), 0), KeyID: "key_1"})
		}
		is.NoErr(s.InsertRecords(t.Context(), rs))
		is.NoErr(s.InsertRecords(t.Context(), rs[600:700])) // a retry
		got, err := s.ListRecords(t.Context(), gateway.RecordFilter{KeyID: "key_1", Limit: 5000})
		is.NoErr(err)
		is.Equal(len(got), 1234)
		is.Equal(got[0].ID, "req_1233")
	})
}
