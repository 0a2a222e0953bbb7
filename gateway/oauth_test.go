package gateway_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

// fakeRefresher hands out access tokens at-1, at-2, ... valid for an
// hour of the fixture's clock, or the errors it is told to.
type fakeRefresher struct {
	clock interface{ Now() time.Time }
	mu    sync.Mutex
	n     int
	errs  []error
	seen  []string // the refresh tokens it was given
}

func (r *fakeRefresher) Refresh(_ context.Context, o *gateway.OAuth) (*gateway.Token, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, o.RefreshToken.Reveal())
	if len(r.errs) > 0 {
		err := r.errs[0]
		r.errs = r.errs[1:]
		return nil, err
	}
	r.n++
	return &gateway.Token{AccessToken: gateway.Secret("at-" + string(rune('0'+r.n))), RefreshToken: "rt-rotated",
		Expiry: r.clock.Now().Add(time.Hour)}, nil
}

// used returns the refresh tokens it was given so far.
func (r *fakeRefresher) used() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

func (r *fakeRefresher) fail(errs ...error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, errs...)
}

func TestOAuthCredentialWithoutTokenIsUnavailable(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixtureWith(t, gateway.Config{}) // no Refresher: nothing fetches a token
	p := f.provider(t, "p", []string{"m"})
	_, err := f.admin.AddCredentials(context.Background(), p.ID, []*gateway.Credential{{Name: "p-oauth",
		OAuth: &gateway.OAuth{TokenURL: "https://auth.example.com/token", RefreshToken: "rt"}}})
	is.NoErr(err)
	_, err = f.gw.Chat(context.Background(), f.caller(t, gateway.KeySpec{}), userChat("m", "hi"))
	is.Equal(gateway.ErrorCode(err), gateway.CodeUnavailable) // not usable before its first token
}

func TestOAuthCredentialLifecycle(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	ref := &fakeRefresher{}
	f := newFixtureWith(t, gateway.Config{Refresher: ref})
	ref.clock = f.clock
	p := f.provider(t, "p", []string{"m"})
	_, err := f.admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Name: "p-oauth",
		OAuth: &gateway.OAuth{TokenURL: "https://auth.example.com/token", RefreshToken: "rt-first"}}}) // no access token yet
	is.NoErr(err)
	_, err = f.admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Name: "bad", OAuth: &gateway.OAuth{TokenURL: "ftp://x"}}})
	is.Equal(gateway.AsError(err).Field, "credentials[0].oauth.token_url")
	c := f.caller(t, gateway.KeySpec{})

	// Adding it fetched its first token; a pass now has nothing to do.
	f.gw.RefreshTokens(ctx)
	_, err = f.gw.Chat(ctx, again(c), userChat("m", "hi"))
	is.NoErr(err)
	is.Equal(ref.used(), []string{"rt-first"})
	calls := f.fakes.get("p").callLog()
	is.Equal(calls[len(calls)-1].secret, "at-1") // the access token goes upstream

	f.gw.RefreshTokens(ctx)
	is.Equal(len(ref.used()), 1) // an hour left: nothing to do
	f.clock.Advance(56 * time.Minute)
	f.gw.RefreshTokens(ctx) // within 5 minutes of expiry: renewed with the rotated refresh token
	is.Equal(ref.used(), []string{"rt-first", "rt-rotated"})
	_, err = f.gw.Chat(ctx, again(c), userChat("m", "hi"))
	is.NoErr(err)
	calls = f.fakes.get("p").callLog()
	is.Equal(calls[len(calls)-1].secret, "at-2")

	// The token server failing counts like any failure: degraded, then
	// disabled, while the current token still serves.
	down := &gateway.Error{Code: gateway.CodeUpstream, Status: http.StatusServiceUnavailable, Message: "token endpoint down"}
	ref.fail(down, down, down)
	f.clock.Advance(55 * time.Minute)
	f.gw.RefreshTokens(ctx)
	is.Equal(len(ref.used()), 3)
	f.gw.RefreshTokens(ctx)
	is.Equal(len(ref.used()), 3) // one try a minute per token, across instances
	for range 2 {
		f.clock.Advance(61 * time.Second)
		f.gw.RefreshTokens(ctx)
	}
	is.Equal(len(ref.used()), 5)
	cred := f.credentialNamed(t, p.ID, "p-oauth")
	is.Equal(cred.Status, gateway.StatusDisabled)
	is.True(cred.StatusReason != "")

	// The backoff over, a refresh that works makes it active again.
	f.clock.Advance(2 * time.Minute)
	f.gw.RefreshTokens(ctx)
	is.Equal(f.credentialNamed(t, p.ID, "p-oauth").Status, gateway.StatusActive)

	// A refresh token the server refuses invalidates it at once.
	ref.fail(&gateway.Error{Code: gateway.CodeUpstream, Status: http.StatusBadRequest, Type: "invalid_grant", Message: "revoked"})
	f.clock.Advance(56 * time.Minute)
	f.gw.RefreshTokens(ctx)
	cred = f.credentialNamed(t, p.ID, "p-oauth")
	is.Equal(cred.Status, gateway.StatusInvalid)
	events, err := f.admin.CredentialEvents(ctx, cred.ID)
	is.NoErr(err)
	is.Equal(events[0].To, gateway.StatusInvalid)
}
