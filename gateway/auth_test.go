package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		is := is.New(t)
		f := newFixture(t)
		k, secret := f.key(t, gateway.KeySpec{Name: "ci"})
		c, err := f.gw.Authenticate(secret, "127.0.0.1")
		is.NoErr(err)
		is.Equal(c.Key.ID, k.ID)
		is.Equal(c.Namespace, gateway.DefaultNamespace)
		is.True(k.Digest != secret)                // the key itself is not stored
		is.Equal(k.Prefix, secret[:len(k.Prefix)]) // only its display prefix
	})
	t.Run("ErrUnknownKey", func(t *testing.T) {
		is := is.New(t)
		f := newFixture(t)
		_, err := f.gw.Authenticate("tg-nope", "127.0.0.1")
		is.Equal(gateway.ErrorCode(err), gateway.CodeUnauthenticated)
	})
	t.Run("ErrRevoked", func(t *testing.T) {
		is := is.New(t)
		f := newFixture(t)
		k, secret := f.key(t, gateway.KeySpec{})
		_, err := f.admin.RevokeKey(ctx, k.ID)
		is.NoErr(err)
		_, err = f.gw.Authenticate(secret, "127.0.0.1")
		is.Equal(gateway.ErrorCode(err), gateway.CodeUnauthenticated)
	})
	t.Run("ErrExpired", func(t *testing.T) {
		is := is.New(t)
		f := newFixture(t)
		_, secret := f.key(t, gateway.KeySpec{ExpiresAt: t0.Add(time.Hour)})
		_, err := f.gw.Authenticate(secret, "127.0.0.1")
		is.NoErr(err)
		f.clock.Advance(time.Hour)
		_, err = f.gw.Authenticate(secret, "127.0.0.1")
		is.Equal(gateway.ErrorCode(err), gateway.CodeUnauthenticated)
	})
	t.Run("ErrAccountEpochRaised", func(t *testing.T) {
		is := is.New(t)
		f := newFixture(t)
		k, secret := f.key(t, gateway.KeySpec{})
		_, err := f.store.UpdateAccount(ctx, k.AccountID, func(a *gateway.Account) error { a.Epoch++; return nil })
		is.NoErr(err)
		is.NoErr(f.gw.Reload(ctx))
		_, err = f.gw.Authenticate(secret, "127.0.0.1")
		is.Equal(gateway.ErrorCode(err), gateway.CodeUnauthenticated)
	})
	t.Run("ErrAccountDisabled", func(t *testing.T) {
		is := is.New(t)
		f := newFixture(t)
		k, secret := f.key(t, gateway.KeySpec{})
		disabled := gateway.StatusDisabled
		_, err := f.admin.UpdateAccount(ctx, k.AccountID, gateway.AccountUpdate{Status: &disabled})
		is.NoErr(err)
		_, err = f.gw.Authenticate(secret, "127.0.0.1")
		is.Equal(gateway.ErrorCode(err), gateway.CodeUnauthenticated)
	})
}

func TestIssueKeyValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	acct, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "team", Namespaces: []string{"beta"},
		Limits: gateway.Limits{RequestsPerMinute: 100, TokensPerDay: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		acct  string
		spec  gateway.KeySpec
		code  gateway.Code
		field string
	}{
		{"OK", acct.ID, gateway.KeySpec{Namespace: "beta"}, "", ""},
		{"ErrNamespaceNotAllowed", acct.ID, gateway.KeySpec{Namespace: "prod"}, gateway.CodeInvalid, "namespace"},
		{"ErrExpiredAlready", acct.ID, gateway.KeySpec{ExpiresAt: t0.Add(-time.Minute)}, gateway.CodeInvalid, "expires_at"},
		{"ErrBadModelPattern", acct.ID, gateway.KeySpec{Models: []string{"gpt-["}}, gateway.CodeInvalid, "models"},
		{"ErrNoAccount", "acc_missing", gateway.KeySpec{}, gateway.CodeNotFound, ""},
		{"OKLimitsWithinAccount", acct.ID, gateway.KeySpec{Limits: gateway.Limits{RequestsPerMinute: 100, Concurrent: 5}}, "", ""},
		{"ErrLimitAboveAccount", acct.ID, gateway.KeySpec{Limits: gateway.Limits{RequestsPerMinute: 101}}, gateway.CodeInvalid, "limits.requests_per_minute"},
		{"ErrNegativeLimit", acct.ID, gateway.KeySpec{Limits: gateway.Limits{TokensPerHour: -1}}, gateway.CodeInvalid, "limits.tokens_per_hour"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			_, _, err := f.admin.IssueKey(ctx, tc.acct, tc.spec, gateway.IssuedByAdmin)
			is.Equal(gateway.ErrorCode(err), tc.code)
			if tc.field != "" {
				is.Equal(gateway.AsError(err).Field, tc.field)
			}
		})
	}
}

// A key issued through one Gateway works on another that shares its Store
// and Cache, without waiting for the periodic reload.
func TestChangesReachOtherInstances(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	other := gateway.New(gateway.Config{}, f.store, f.cache, gateway.Drivers{"fake": f.fakes}, f.hasher, f.clock, &gatewaytest.IDs{}, f.rec)
	is.NoErr(other.Start(context.Background()))
	defer other.Close()

	_, secret := f.key(t, gateway.KeySpec{})
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := other.Authenticate(secret, "127.0.0.1")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other instance never saw the key: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCallerFor(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	f.provider(t, "p", []string{"m"}, 1)
	acct, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "svc", Limits: gateway.Limits{RequestsPerMinute: 1}})
	is.NoErr(err)
	c, err := f.gw.CallerFor(acct.ID, "ada", "10.0.0.1")
	is.NoErr(err)
	_, err = f.gw.Chat(ctx, c, userChat("m", "hi"))
	is.NoErr(err)
	c2, _ := f.gw.CallerFor(acct.ID, "ada", "10.0.0.1")
	_, err = f.gw.Chat(ctx, c2, userChat("m", "hi"))
	is.Equal(gateway.ErrorCode(err), gateway.CodeRateLimited) // the account's limits hold
	_, err = f.gw.CallerFor("acc_missing", "ada", "")
	is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound)
	disabled := gateway.StatusDisabled
	_, err = f.admin.UpdateAccount(ctx, acct.ID, gateway.AccountUpdate{Status: &disabled})
	is.NoErr(err)
	_, err = f.gw.CallerFor(acct.ID, "ada", "")
	is.Equal(gateway.ErrorCode(err), gateway.CodeForbidden)
}
