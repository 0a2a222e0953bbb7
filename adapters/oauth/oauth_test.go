package oauth_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/oauth"
	"github.com/tollgate-ai/tollgate/gateway"
)

// tokenServer answers the refresh_token grant as RFC 6749 says: a JSON
// token for the refresh token "rt-good" (rotating it), 400 invalid_grant
// for any other, 503 when down is set.
func tokenServer(t *testing.T, down *bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		switch {
		case down != nil && *down:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error":"temporarily_unavailable"}`))
		case r.Form.Get("grant_type") != "refresh_token" || r.Form.Get("client_id") != "cid" || r.Form.Get("client_secret") != "cs-secret":
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"Client authentication failed"}`))
		case r.Form.Get("refresh_token") != "rt-good":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`))
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at-new", "token_type": "Bearer",
				"expires_in": 3599, "refresh_token": "rt-next", "scope": r.Form.Get("scope")})
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	down := false
	srv := tokenServer(t, &down)
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	r := oauth.New(oauth.Config{Now: func() time.Time { return now }})
	o := &gateway.OAuth{TokenURL: srv.URL, ClientID: "cid", ClientSecret: "cs-secret", RefreshToken: "rt-good", Scopes: []string{"a", "b"}}

	tok, err := r.Refresh(t.Context(), o)
	is.NoErr(err)
	is.Equal(tok.AccessToken, gateway.Secret("at-new"))
	is.Equal(tok.RefreshToken, gateway.Secret("rt-next")) // rotated
	is.Equal(tok.Expiry, now.Add(3599*time.Second))

	revoked := *o
	revoked.RefreshToken = "rt-revoked"
	_, err = r.Refresh(t.Context(), &revoked)
	e := gateway.AsError(err)
	is.Equal(e.Type, "invalid_grant") // the gateway invalidates on it
	is.Equal(e.Status, http.StatusBadRequest)
	is.True(strings.Contains(e.Message, "expired or revoked"))
	is.True(!strings.Contains(err.Error(), "rt-revoked")) // never a token in an error

	wrongClient := *o
	wrongClient.ClientSecret = "cs-wrong"
	_, err = r.Refresh(t.Context(), &wrongClient)
	is.Equal(gateway.AsError(err).Type, "invalid_client")
	is.True(!strings.Contains(err.Error(), "cs-wrong"))

	down = true
	_, err = r.Refresh(t.Context(), o)
	is.Equal(gateway.AsError(err).Status, http.StatusServiceUnavailable) // retried, not invalidated
	is.Equal(gateway.ErrorCode(err), gateway.CodeUpstream)

	srv.Close()
	_, err = r.Refresh(t.Context(), o)
	is.Equal(gateway.ErrorCode(err), gateway.CodeUpstream) // connection refused
	is.True(!strings.Contains(err.Error(), "rt-good"))
}
