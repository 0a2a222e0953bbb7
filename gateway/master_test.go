package gateway_test

import (
	"context"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

func TestMasterKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	is := is.New(t)
	f := newFixture(t)
	f.provider(t, "alpha", []string{"m"}, 1)
	acct, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "team"})
	is.NoErr(err)
	other, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "other"})
	is.NoErr(err)

	master, masterSecret, err := f.admin.IssueMasterKey(ctx, acct.ID)
	is.NoErr(err)
	is.True(master.Master)
	_, err = f.gw.Authenticate(masterSecret, "127.0.0.1")
	is.Equal(gateway.ErrorCode(err), gateway.CodeForbidden) // a master key calls no model
	m, err := f.gw.AuthenticateMaster(masterSecret, "127.0.0.1")
	is.NoErr(err)
	is.Equal(m.Account.ID, acct.ID)

	child, childSecret, err := f.admin.IssueKey(ctx, acct.ID, gateway.KeySpec{Name: "ci"}, gateway.IssuedByAccount(acct.ID))
	is.NoErr(err)
	is.Equal(child.IssuedBy, "account:"+acct.ID)
	_, err = f.gw.AuthenticateMaster(childSecret, "127.0.0.1")
	is.Equal(gateway.ErrorCode(err), gateway.CodeForbidden) // a client key manages nothing

	otherKey, _, err := f.admin.IssueKey(ctx, other.ID, gateway.KeySpec{}, gateway.IssuedByAdmin)
	is.NoErr(err)
	_, err = f.admin.RevokeAccountKey(ctx, acct.ID, otherKey.ID)
	is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound) // another account's key is not there for it
	_, err = f.admin.RevokeAccountKey(ctx, acct.ID, master.ID)
	is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound) // nor is its own master key

	// Raising the epoch revokes every client key at once; the master stays.
	_, second, err := f.admin.IssueKey(ctx, acct.ID, gateway.KeySpec{}, gateway.IssuedByAdmin)
	is.NoErr(err)
	_, err = f.admin.RevokeAccountKeys(ctx, acct.ID)
	is.NoErr(err)
	for _, s := range []string{childSecret, second} {
		_, err = f.gw.Authenticate(s, "127.0.0.1")
		is.Equal(gateway.ErrorCode(err), gateway.CodeUnauthenticated)
	}
	_, err = f.gw.AuthenticateMaster(masterSecret, "127.0.0.1")
	is.NoErr(err)
	_, fresh, err := f.admin.IssueKey(ctx, acct.ID, gateway.KeySpec{}, gateway.IssuedByAccount(acct.ID))
	is.NoErr(err)
	_, err = f.gw.Authenticate(fresh, "127.0.0.1")
	is.NoErr(err) // keys issued after the raise work

	// A new master key replaces the old one.
	_, newMaster, err := f.admin.IssueMasterKey(ctx, acct.ID)
	is.NoErr(err)
	_, err = f.gw.AuthenticateMaster(masterSecret, "127.0.0.1")
	is.Equal(gateway.ErrorCode(err), gateway.CodeUnauthenticated)
	_, err = f.gw.AuthenticateMaster(newMaster, "127.0.0.1")
	is.NoErr(err)
}

func TestKeyAllowedIPs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, secret := f.key(t, gateway.KeySpec{AllowedIPs: []string{"10.0.0.0/8", "2001:db8::1"}})
	for _, tc := range []struct {
		ip   string
		code gateway.Code
	}{
		{"10.1.2.3", ""},
		{"::ffff:10.9.9.9", ""}, // an IPv4 client on a dual-stack listener
		{"2001:db8::1", ""},
		{"192.168.1.1", gateway.CodeForbidden},
		{"2001:db8::2", gateway.CodeForbidden},
		{"not-an-ip", gateway.CodeForbidden},
	} {
		t.Run(tc.ip, func(t *testing.T) {
			_, err := f.gw.Authenticate(secret, tc.ip)
			is.New(t).Equal(gateway.ErrorCode(err), tc.code)
		})
	}
	acct, err := f.admin.CreateAccount(context.Background(), &gateway.Account{Name: "ranges"})
	is.New(t).NoErr(err)
	_, _, err = f.admin.IssueKey(context.Background(), acct.ID, gateway.KeySpec{AllowedIPs: []string{"10.0.0.0/33"}}, gateway.IssuedByAdmin)
	is.New(t).Equal(gateway.AsError(err).Field, "allowed_ips")
}

func TestKeyNamespaces(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	acct, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "team", Namespaces: []string{"beta", "eu"}})
	is.NoErr(err)
	_, _, err = f.admin.IssueKey(ctx, acct.ID, gateway.KeySpec{Namespaces: []string{"prod"}}, gateway.IssuedByAdmin)
	is.Equal(gateway.AsError(err).Field, "namespaces") // not one of the account's
	_, secret, err := f.admin.IssueKey(ctx, acct.ID, gateway.KeySpec{Namespaces: []string{"beta"}}, gateway.IssuedByAdmin)
	is.NoErr(err)
	c, err := f.gw.Authenticate(secret, "127.0.0.1")
	is.NoErr(err)
	is.Equal(c.Namespace, gateway.DefaultNamespace)
	is.NoErr(c.UseNamespace("beta"))
	is.Equal(c.Namespace, "beta")
	is.Equal(gateway.ErrorCode(c.UseNamespace("eu")), gateway.CodeForbidden) // the account's, but not the key's
	is.NoErr(c.UseNamespace(gateway.DefaultNamespace))
}

func TestAnonymousAccess(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixtureWith(t, gateway.Config{Anonymous: gateway.Anonymous{Models: []string{"free-*"}, Limits: gateway.Limits{RequestsPerHour: 2}}})
	f.provider(t, "alpha", []string{"free-*", "paid-*"}, 1)
	ctx := context.Background()
	chat := func(ip, model string) error {
		c, err := f.gw.AuthenticateAnonymous(ip)
		is.NoErr(err)
		_, err = f.gw.Chat(ctx, c, userChat(model, "hi"))
		return err
	}
	is.NoErr(chat("198.51.100.7", "free-1"))
	is.Equal(gateway.ErrorCode(chat("198.51.100.7", "paid-1")), gateway.CodeForbidden) // not an anonymous model
	is.NoErr(chat("198.51.100.7", "free-1"))
	is.Equal(gateway.ErrorCode(chat("198.51.100.7", "free-1")), gateway.CodeRateLimited) // two an hour for this address
	is.NoErr(chat("198.51.100.8", "free-1"))                                             // another address has its own

	for _, r := range f.records(t) {
		is.Equal(r.AccountID, gateway.AnonymousAccountID)
		is.True(r.ClientIP != "" && !strings.Contains(r.ClientIP, "198.51")) // the address is kept only as a keyed hash
		is.True(!strings.Contains(r.KeyID, "198.51"))
	}

	off := newFixture(t)
	_, err := off.gw.AuthenticateAnonymous("198.51.100.7")
	is.Equal(gateway.ErrorCode(err), gateway.CodeUnauthenticated) // off by default
}

func TestUpdateKey(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	f.provider(t, "alpha", []string{"m"}, 1)
	acct, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "team", Limits: gateway.Limits{RequestsPerMinute: 100}})
	is.NoErr(err)
	k, secret, err := f.admin.IssueKey(ctx, acct.ID, gateway.KeySpec{}, gateway.IssuedByAdmin)
	is.NoErr(err)
	other, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "other"})
	is.NoErr(err)

	_, err = f.admin.UpdateKey(ctx, acct.ID, k.ID, gateway.KeyUpdate{Limits: &gateway.Limits{RequestsPerMinute: 101}})
	is.Equal(gateway.AsError(err).Field, "limits.requests_per_minute")
	_, err = f.admin.UpdateKey(ctx, other.ID, k.ID, gateway.KeyUpdate{Limits: &gateway.Limits{RequestsPerMinute: 1}})
	is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound) // another account's key
	_, err = f.admin.UpdateKey(ctx, acct.ID, k.ID, gateway.KeyUpdate{Limits: &gateway.Limits{RequestsPerMinute: 1}})
	is.NoErr(err)
	ok, _ := chatN(f, mustAuth(t, f, secret), 3)
	is.Equal(ok, 1) // the new limit applies at once
}

func mustAuth(t *testing.T, f *fixture, secret string) *gateway.Caller {
	t.Helper()
	c, err := f.gw.Authenticate(secret, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return c
}
