// Package oauth renews OAuth credentials' access tokens with the
// refresh_token grant of RFC 6749 (section 6), the gateway's
// TokenRefresher port. It suits any authorization server that follows
// the RFC: Google's (https://oauth2.googleapis.com/token, for Vertex AI),
// Microsoft Entra ID's (Azure OpenAI), Auth0, Okta, Keycloak.
//
// The client authenticates with client_id and client_secret in the form
// body (RFC 6749 section 2.3.1, which every server above accepts). A
// grant the server refuses comes back as a *gateway.Error whose Type is
// the RFC's error code ("invalid_grant", "invalid_client", ...), so the
// gateway can tell a dead refresh token from a server that is down.
// Errors never quote a token or the client secret.
package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Config configures a Refresher.
type Config struct {
	// Client makes the token requests; nil uses a client with Timeout.
	Client *http.Client
	// Timeout bounds each token request when Client is nil. Default 30s.
	Timeout time.Duration
	// Now tells the time the server's expires_in counts from; default
	// time.Now.
	Now func() time.Time
}

// Refresher renews access tokens; it implements gateway.TokenRefresher.
type Refresher struct {
	client *http.Client
	now    func() time.Time
}

var _ gateway.TokenRefresher = (*Refresher)(nil)

// New returns a Refresher.
func New(cfg Config) *Refresher {
	if cfg.Client == nil {
		if cfg.Timeout <= 0 {
			cfg.Timeout = 30 * time.Second
		}
		cfg.Client = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Refresher{client: cfg.Client, now: cfg.Now}
}

// tokenResponse is a successful token response (RFC 6749 section 5.1).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// errorResponse is a refused request (RFC 6749 section 5.2).
type errorResponse struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// defaultLifetime is assumed for a token whose response gives no
// expires_in (the RFC makes it optional): an hour, the common default.
const defaultLifetime = time.Hour

// Refresh exchanges o's refresh token for a new access token.
func (r *Refresher) Refresh(ctx context.Context, o *gateway.OAuth) (*gateway.Token, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {o.RefreshToken.Reveal()}}
	if o.ClientID != "" {
		form.Set("client_id", o.ClientID)
	}
	if o.ClientSecret != "" {
		form.Set("client_secret", o.ClientSecret.Reveal())
	}
	if len(o.Scopes) > 0 {
		form.Set("scope", strings.Join(o.Scopes, " "))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, gateway.Invalid("oauth.token_url", "token_url: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	start := r.now()
	resp, err := r.client.Do(req)
	if err != nil {
		code := gateway.CodeUpstream
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			code = gateway.CodeUpstreamTimeout
		}
		// url.Error quotes the URL, never the body with the tokens.
		return nil, &gateway.Error{Code: code, Message: "token request failed: " + err.Error(), Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, &gateway.Error{Code: gateway.CodeUpstream, Status: resp.StatusCode, Message: "token response cut short: " + err.Error()}
	}
	if resp.StatusCode != http.StatusOK {
		var e errorResponse
		_ = json.Unmarshal(body, &e)
		msg := fmt.Sprintf("the token endpoint answered %d", resp.StatusCode)
		if e.Error != "" {
			msg += ": " + e.Error
			if e.Description != "" {
				msg += " (" + e.Description + ")"
			}
		}
		return nil, &gateway.Error{Code: gateway.CodeUpstream, Status: resp.StatusCode, Type: e.Error, Message: msg}
	}
	var t tokenResponse
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
		return nil, &gateway.Error{Code: gateway.CodeUpstream, Status: resp.StatusCode, Message: "the token endpoint answered without an access_token"}
	}
	if t.TokenType != "" && !strings.EqualFold(t.TokenType, "bearer") {
		return nil, &gateway.Error{Code: gateway.CodeUpstream, Status: resp.StatusCode,
			Message: fmt.Sprintf("the token endpoint issued a %q token; only bearer tokens are sent upstream", t.TokenType)}
	}
	lifetime := defaultLifetime
	if t.ExpiresIn > 0 {
		lifetime = time.Duration(t.ExpiresIn) * time.Second
	}
	// Counted from before the request left: the token expires no later
	// than the gateway thinks.
	return &gateway.Token{AccessToken: gateway.Secret(t.AccessToken), RefreshToken: gateway.Secret(t.RefreshToken),
		Expiry: start.Add(lifetime)}, nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
