package httpapi

import (
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// The JSON shapes of the admin API. They are separate from the domain
// types so that a secret can never be encoded by accident: a credential
// shows only a hint of its secret, a key only its display prefix.

type providerJSON struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Type      string            `json:"type"`
	BaseURL   string            `json:"base_url"`
	Headers   map[string]string `json:"headers"`
	Models    []string          `json:"models"`
	Options   map[string]string `json:"options"`
	Status    gateway.Status    `json:"status"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

func providerView(p *gateway.Provider) providerJSON {
	headers := make(map[string]string, len(p.Headers))
	for k, v := range p.Headers {
		if looksSecret(k) {
			v = gateway.Secret(v).Hint()
		}
		headers[k] = v
	}
	return providerJSON{
		ID: p.ID, Name: p.Name, Type: p.Type, BaseURL: p.BaseURL, Headers: headers,
		Models: nonNil(p.Models), Options: p.Options, Status: p.Status,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

// looksSecret reports whether a header probably carries a credential, so
// that its value is masked in responses.
func looksSecret(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"auth", "key", "token", "secret", "cookie", "password"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

type credentialJSON struct {
	ID         string         `json:"id"`
	ProviderID string         `json:"provider_id"`
	Name       string         `json:"name"`
	SecretHint string         `json:"secret_hint"`
	Weight     int            `json:"weight"`
	Status     gateway.Status `json:"status"`
	// DisabledUntil is when a credential disabled by its failures is
	// tried again.
	DisabledUntil *time.Time `json:"disabled_until,omitempty"`
	StatusReason  string     `json:"status_reason,omitempty"`
	// OAuth shows an OAuth credential's token endpoint and expiry, never
	// its refresh token or client secret.
	OAuth     *oauthJSON `json:"oauth,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

type oauthJSON struct {
	TokenURL  string     `json:"token_url"`
	ClientID  string     `json:"client_id,omitempty"`
	Scopes    []string   `json:"scopes,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

func credentialView(c *gateway.Credential) credentialJSON {
	v := credentialJSON{DisabledUntil: timeOrNil(c.DisabledUntil), StatusReason: c.StatusReason,
		ID: c.ID, ProviderID: c.ProviderID, Name: c.Name, SecretHint: c.Secret.Hint(),
		Weight: c.Weight, Status: c.Status, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	if o := c.OAuth; o != nil {
		v.OAuth = &oauthJSON{TokenURL: o.TokenURL, ClientID: o.ClientID, Scopes: o.Scopes, ExpiresAt: timeOrNil(o.Expiry)}
	}
	return v
}

// budgetJSON is a Budget in micros; zero means uncapped.
type budgetJSON struct {
	Daily   gateway.Micros `json:"daily"`
	Monthly gateway.Micros `json:"monthly"`
}

// limitsJSON shows a Limits; zero, and so left out, means unlimited.
type limitsJSON struct {
	RequestsPerSecond int64 `json:"requests_per_second,omitempty"`
	RequestsPerMinute int64 `json:"requests_per_minute,omitempty"`
	RequestsPerHour   int64 `json:"requests_per_hour,omitempty"`
	RequestsPerDay    int64 `json:"requests_per_day,omitempty"`
	TokensPerMinute   int64 `json:"tokens_per_minute,omitempty"`
	TokensPerHour     int64 `json:"tokens_per_hour,omitempty"`
	TokensPerDay      int64 `json:"tokens_per_day,omitempty"`
	Concurrent        int64 `json:"concurrent,omitempty"`
}

type accountJSON struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	Status           gateway.Status `json:"status"`
	DefaultNamespace string         `json:"default_namespace"`
	Namespaces       []string       `json:"namespaces"`
	Limits           limitsJSON     `json:"limits"`
	Epoch            int64          `json:"epoch"`
	Prepaid          bool           `json:"prepaid"`
	Budget           budgetJSON     `json:"budget"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
}

func accountView(a *gateway.Account) accountJSON {
	return accountJSON{
		ID: a.ID, Name: a.Name, Status: a.Status, DefaultNamespace: a.DefaultNamespace,
		Namespaces: nonNil(a.Namespaces), Limits: limitsJSON(a.Limits), Epoch: a.Epoch, Prepaid: a.Prepaid, Budget: budgetJSON(a.Budget), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

type keyJSON struct {
	ID         string         `json:"id"`
	AccountID  string         `json:"account_id"`
	Name       string         `json:"name"`
	Prefix     string         `json:"prefix"`
	Status     gateway.Status `json:"status"`
	Models     []string       `json:"models"`
	Namespace  string         `json:"namespace,omitempty"`
	Namespaces []string       `json:"namespaces"`
	AllowedIPs []string       `json:"allowed_ips"`
	Master     bool           `json:"master,omitempty"`
	Limits     limitsJSON     `json:"limits"`
	Budget     budgetJSON     `json:"budget"`
	IssuedBy   string         `json:"issued_by"`
	ExpiresAt  *time.Time     `json:"expires_at"`
	CreatedAt  time.Time      `json:"created_at"`
	RevokedAt  *time.Time     `json:"revoked_at"`
	// Key is the secret, present only in the response that issues it.
	Key string `json:"key,omitempty"`
}

func keyView(k *gateway.Key) keyJSON {
	return keyJSON{
		ID: k.ID, AccountID: k.AccountID, Name: k.Name, Prefix: k.Prefix, Status: k.Status,
		Models: nonNil(k.Models), Namespace: k.Namespace, Namespaces: nonNil(k.Namespaces), AllowedIPs: nonNil(k.AllowedIPs),
		Master: k.Master, Limits: limitsJSON(k.Limits), Budget: budgetJSON(k.Budget), IssuedBy: k.IssuedBy,
		ExpiresAt: timeOrNil(k.ExpiresAt), CreatedAt: k.CreatedAt, RevokedAt: timeOrNil(k.RevokedAt),
	}
}

// pricesJSON are micros per million tokens, and micros per request.
type pricesJSON struct {
	Input       gateway.Micros `json:"input"`
	CachedInput gateway.Micros `json:"cached_input"`
	CacheWrite  gateway.Micros `json:"cache_write"`
	Output      gateway.Micros `json:"output"`
	Reasoning   gateway.Micros `json:"reasoning"`
	PerRequest  gateway.Micros `json:"per_request"`
}

func pricesView(p gateway.Prices) pricesJSON { return pricesJSON(p) }

func (p pricesJSON) prices() gateway.Prices { return gateway.Prices(p) }

type modelJSON struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases"`
	// Prices are micros per million tokens.
	Prices    pricesJSON `json:"prices"`
	MaxOutput int64      `json:"max_output,omitempty"`
	OwnedBy   string     `json:"owned_by,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

func modelView(m *gateway.Model) modelJSON {
	return modelJSON{
		Name: m.Name, Aliases: nonNil(m.Aliases), OwnedBy: m.OwnedBy,
		Prices: pricesView(m.Prices), MaxOutput: m.MaxOutput,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
}

type bindingJSON struct {
	ID            string    `json:"id"`
	Namespace     string    `json:"namespace"`
	Model         string    `json:"model"`
	ProviderID    string    `json:"provider_id"`
	UpstreamModel string    `json:"upstream_model,omitempty"`
	Priority      int       `json:"priority"`
	Weight        int       `json:"weight"`
	CreatedAt     time.Time `json:"created_at"`
}

func bindingView(b *gateway.Binding) bindingJSON {
	return bindingJSON{ID: b.ID, Namespace: b.Namespace, Model: b.Model, ProviderID: b.ProviderID,
		UpstreamModel: b.UpstreamModel, Priority: b.Priority, Weight: max(b.Weight, 1), CreatedAt: b.CreatedAt}
}

type attemptJSON struct {
	ProviderID   string       `json:"provider_id"`
	CredentialID string       `json:"credential_id"`
	Code         gateway.Code `json:"code,omitempty"`
	Status       int          `json:"status,omitempty"`
	Error        string       `json:"error,omitempty"`
	LatencyMS    float64      `json:"latency_ms"`
}

type recordJSON struct {
	ID              string         `json:"id"`
	ClientRequestID string         `json:"client_request_id,omitempty"`
	Time            time.Time      `json:"time"`
	AccountID       string         `json:"account_id"`
	KeyID           string         `json:"key_id"`
	Namespace       string         `json:"namespace"`
	Endpoint        string         `json:"endpoint"`
	Model           string         `json:"model"`
	ServedModel     string         `json:"served_model,omitempty"`
	ProviderID      string         `json:"provider_id,omitempty"`
	CredentialID    string         `json:"credential_id,omitempty"`
	Attempts        []attemptJSON  `json:"attempts"`
	Code            gateway.Code   `json:"code,omitempty"`
	Error           string         `json:"error,omitempty"`
	Usage           gateway.Usage  `json:"usage"`
	Prices          pricesJSON     `json:"prices"`
	Cost            gateway.Micros `json:"cost_micros"`
	LatencyMS       float64        `json:"latency_ms"`
	FirstByteMS     float64        `json:"first_byte_ms,omitempty"`
	Stream          bool           `json:"stream"`
	LimitedBy       string         `json:"limited_by,omitempty"`
	RequestBody     string         `json:"request_body,omitempty"`
	ResponseBody    string         `json:"response_body,omitempty"`
}

func recordView(r *gateway.RequestRecord) recordJSON {
	out := recordJSON{
		ID: r.ID, ClientRequestID: r.ClientRequestID, Time: r.Time, AccountID: r.AccountID, KeyID: r.KeyID, Namespace: r.Namespace,
		Endpoint: r.Endpoint, Model: r.Model, ServedModel: r.ServedModel, ProviderID: r.ProviderID,
		CredentialID: r.CredentialID, Attempts: make([]attemptJSON, 0, len(r.Attempts)),
		Code: r.Code, Error: r.Error, Usage: r.Usage, Prices: pricesView(r.Prices), Cost: r.Cost,
		LatencyMS: ms(r.Latency), FirstByteMS: ms(r.FirstByte), Stream: r.Stream,
		LimitedBy: r.LimitedBy, RequestBody: r.RequestBody, ResponseBody: r.ResponseBody,
	}
	for _, a := range r.Attempts {
		out.Attempts = append(out.Attempts, attemptJSON{a.ProviderID, a.CredentialID, a.Code, a.Status, a.Error, ms(a.Latency)})
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
