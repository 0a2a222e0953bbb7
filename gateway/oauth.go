package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// OAuth is what renews an OAuth credential's access token, which the
// credential keeps as its Secret (and upstreams send as they send any
// key). Providers that take bearer tokens (Vertex AI, Azure with Entra
// ID, OpenAI-compatible hosts behind an OAuth gateway) use it.
type OAuth struct {
	// TokenURL is the authorization server's token endpoint
	// (https://oauth2.googleapis.com/token for Google).
	TokenURL     string
	ClientID     string
	ClientSecret Secret
	RefreshToken Secret
	Scopes       []string
	// Expiry is when the access token expires; zero when unknown, which
	// refreshes it at once.
	Expiry time.Time
}

// Token is what a refresh returns.
type Token struct {
	AccessToken Secret
	// RefreshToken replaces the credential's when the server rotates it;
	// empty keeps the old one.
	RefreshToken Secret
	Expiry       time.Time
}

// TokenRefresher exchanges a refresh token for a new access token (the
// refresh_token grant of RFC 6749, section 6). A refusal of the grant
// itself (a revoked or expired refresh token, a wrong client) is an
// *Error with Type "invalid_grant" or "invalid_client", or Status 401;
// any other failure (the server down, a timeout) is retried.
type TokenRefresher interface {
	Refresh(ctx context.Context, o *OAuth) (*Token, error)
}

// validate reports the first field at fault.
func (o *OAuth) validate() error {
	u, err := url.Parse(o.TokenURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return Invalid("oauth.token_url", "token_url must be an http(s) URL")
	}
	if o.RefreshToken == "" {
		return Invalid("oauth.refresh_token", "refresh_token is required")
	}
	return nil
}

// copyOAuth returns a copy of o that shares nothing with it.
func copyOAuth(o *OAuth) *OAuth {
	if o == nil {
		return nil
	}
	c := *o
	c.Scopes = slices.Clone(o.Scopes)
	return &c
}

// refreshBefore is how long before its expiry a provider's OAuth tokens
// are renewed: its oauth_refresh_before_seconds option, default 5
// minutes.
func refreshBefore(p *Provider) time.Duration {
	if v, err := strconv.Atoi(p.Options["oauth_refresh_before_seconds"]); err == nil && v > 0 {
		return time.Duration(v) * time.Second
	}
	return 5 * time.Minute
}

// RunTokenRefresh renews OAuth credentials' access tokens before they
// expire, checking every interval (30s when not positive), until ctx
// ends. Every instance runs it; a Cache counter lets one refresh each
// token. It does nothing when the Gateway has no TokenRefresher.
func (g *Gateway) RunTokenRefresh(ctx context.Context, every time.Duration) {
	if g.cfg.Refresher == nil {
		return
	}
	if every <= 0 {
		every = 30 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		g.RefreshTokens(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// RefreshTokens renews, four at a time, the OAuth tokens that expire
// within their provider's refresh window (or are unknown), and returns
// when they are done.
func (g *Gateway) RefreshTokens(ctx context.Context) {
	if g.cfg.Refresher == nil {
		return
	}
	now := g.clock.Now()
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, t := range g.snapshot().providers {
		if t.picker == nil {
			continue
		}
		before := refreshBefore(t.provider)
		for _, c := range t.picker.creds {
			if c.OAuth == nil || (c.Secret != "" && c.OAuth.Expiry.Sub(now) > before) {
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				g.refreshToken(ctx, t.provider, c, false)
			}()
		}
	}
	wg.Wait()
}

// refreshToken renews c's access token unless another instance is at it
// (a Cache counter per credential and expiry, so the next expiry is
// renewed afresh and a refresher that died frees it within a minute). A
// refusal of the grant invalidates the credential; other failures count
// like a request's toward degrading and disabling it. Forced (the
// provider refused the token), it renews a token that is not near its
// expiry too, unless the store has a newer one already.
func (g *Gateway) refreshToken(ctx context.Context, p *Provider, c *Credential, force bool) {
	// The served snapshot may be older than the store: another instance,
	// or an earlier pass, may have renewed the token and rotated the
	// refresh token since, and a rotated-out refresh token would be
	// refused and invalidate the credential. So the stored one is used,
	// and the lock is taken on the stored expiry.
	cur, err := g.storedCredential(ctx, c)
	if err != nil {
		g.cfg.Logger.Warn("oauth token not refreshed", "credential", c.ID, "err", err)
		return
	}
	fresh := cur.Secret != "" && cur.OAuth != nil && cur.OAuth.Expiry.Sub(g.clock.Now()) > refreshBefore(p)
	if cur.OAuth == nil || (fresh && (!force || cur.Secret != c.Secret)) {
		return
	}
	lock := fmt.Sprintf("oauth:{%s}:%d", c.ID, cur.OAuth.Expiry.Unix())
	if n, err := g.cache.Incr(ctx, lock, 1, time.Minute); err == nil && n > 1 {
		return
	}
	tok, err := g.cfg.Refresher.Refresh(ctx, copyOAuth(cur.OAuth))
	if err != nil {
		e := AsError(err)
		if e.Type == "invalid_grant" || e.Type == "invalid_client" || e.Status == http.StatusUnauthorized {
			g.setCredentialStatus(ctx, c.ID, StatusInvalid, time.Time{}, "the OAuth server refused its refresh token: "+e.Message)
			return
		}
		g.cfg.Logger.Warn("oauth token not refreshed", "credential", c.ID, "err", e.Message)
		pol := credentialPolicy(p)
		if n, ierr := g.cache.Incr(ctx, failuresKey(c.ID), 1, 10*time.Minute); ierr == nil {
			g.countedFailure(ctx, c, pol, n, "token refresh: "+e.Message)
		}
		return
	}
	now := g.clock.Now()
	_, err = g.store.UpdateCredential(ctx, c.ID, func(s *Credential) error {
		if s.OAuth == nil {
			return Errorf(CodeConflict, "credential %s is no longer an OAuth credential", c.ID)
		}
		s.Secret, s.OAuth.Expiry, s.UpdatedAt = tok.AccessToken, tok.Expiry, now
		if tok.RefreshToken != "" {
			s.OAuth.RefreshToken = tok.RefreshToken
		}
		return nil
	})
	if err != nil {
		g.cfg.Logger.Error("oauth token refreshed but not stored", "credential", c.ID, "err", err)
		return
	}
	_ = g.cache.Delete(ctx, failuresKey(c.ID))
	if c.Status == StatusDegraded || c.Status == StatusDisabled {
		g.transition(ctx, c.ID, []Status{StatusDegraded, StatusDisabled}, StatusActive, time.Time{}, "its OAuth token was refreshed")
	}
	if err := g.Changed(ctx); err != nil {
		g.cfg.Logger.Warn("oauth token refreshed; instances reload within their interval", "credential", c.ID, "err", err)
	}
}

// storedCredential reads c as the store has it now.
func (g *Gateway) storedCredential(ctx context.Context, c *Credential) (*Credential, error) {
	cs, err := g.store.ListCredentials(ctx, CredentialFilter{ProviderID: c.ProviderID})
	if err != nil {
		return nil, err
	}
	for _, s := range cs {
		if s.ID == c.ID {
			return s, nil
		}
	}
	return nil, Errorf(CodeNotFound, "credential %s not found", c.ID)
}
