package sqlstore

import (
	"encoding/json"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// oauthJSON is a credential's OAuth details as sealed in the oauth
// column: the whole of it, refresh token and client secret included, is
// one sealed value, so nothing of it is readable without the key.
type oauthJSON struct {
	TokenURL     string    `json:"token_url"`
	ClientID     string    `json:"client_id,omitempty"`
	ClientSecret string    `json:"client_secret,omitempty"`
	RefreshToken string    `json:"refresh_token"`
	Scopes       []string  `json:"scopes,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
}

// oauthAAD binds a sealed oauth value to its credential and column, so
// that it opens neither as another credential's nor as a secret.
func oauthAAD(id string) string { return id + "#oauth" }

// sealOAuth returns o as stored for the credential id: "" for none.
func sealOAuth(key *sealer, id string, o *gateway.OAuth) string {
	if o == nil {
		return ""
	}
	raw, _ := json.Marshal(oauthJSON{TokenURL: o.TokenURL, ClientID: o.ClientID, ClientSecret: o.ClientSecret.Reveal(),
		RefreshToken: o.RefreshToken.Reveal(), Scopes: o.Scopes, Expiry: o.Expiry.UTC()}) // cannot fail: strings and a time
	return key.seal(oauthAAD(id), gateway.Secret(raw))
}

// openOAuth returns the OAuth details stored for the credential id, nil
// for none.
func openOAuth(key *sealer, id, stored string) (*gateway.OAuth, error) {
	if stored == "" {
		return nil, nil
	}
	raw, err := key.open(oauthAAD(id), stored)
	if err != nil {
		return nil, err
	}
	var j oauthJSON
	if err := json.Unmarshal([]byte(raw.Reveal()), &j); err != nil {
		return nil, cryptError(id, "its stored OAuth details are corrupt")
	}
	return &gateway.OAuth{TokenURL: j.TokenURL, ClientID: j.ClientID, ClientSecret: gateway.Secret(j.ClientSecret),
		RefreshToken: gateway.Secret(j.RefreshToken), Scopes: j.Scopes, Expiry: j.Expiry}, nil
}
