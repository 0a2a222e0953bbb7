package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// The admin API's JSON shapes, as the CLI reads and writes them (see
// adapters/httpapi/views.go). Amounts are micros.

// Provider is an upstream provider; secret-looking header values come
// back masked.
type Provider struct {
	ID      string            `json:"id,omitempty"`
	Name    string            `json:"name"`
	Type    string            `json:"type"`
	BaseURL string            `json:"base_url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Models  []string          `json:"models,omitempty"`
	Options map[string]string `json:"options,omitempty"`
	Status  string            `json:"status,omitempty"`
	// Credentials are the first credentials, when creating one.
	Credentials []CredentialInput `json:"credentials,omitempty"`
}

// CredentialInput is a credential to add.
type CredentialInput struct {
	Name   string `json:"name,omitempty"`
	Secret string `json:"secret"`
	Weight int    `json:"weight,omitempty"`
	Status string `json:"status,omitempty"`
}

// Credential is a stored credential: only a hint of its secret.
type Credential struct {
	ID         string `json:"id"`
	ProviderID string `json:"provider_id"`
	Name       string `json:"name"`
	SecretHint string `json:"secret_hint"`
	Weight     int    `json:"weight"`
	Status     string `json:"status"`
}

// Account owns keys and credits.
type Account struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Status  string `json:"status"`
	Prepaid bool   `json:"prepaid"`
	Epoch   int64  `json:"epoch"`
}

// KeyInput is the scope of a key to issue.
type KeyInput struct {
	Name      string     `json:"name,omitempty"`
	Models    []string   `json:"models,omitempty"`
	Namespace string     `json:"namespace,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Key is a client key; Key (the secret) is set only in the answer that
// issues it.
type Key struct {
	ID        string     `json:"id"`
	AccountID string     `json:"account_id"`
	Name      string     `json:"name"`
	Prefix    string     `json:"prefix"`
	Status    string     `json:"status"`
	ExpiresAt *time.Time `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	Key       string     `json:"key,omitempty"`
}

// Entry is a ledger entry.
type Entry struct {
	ID           string `json:"id"`
	AccountID    string `json:"account_id"`
	Kind         string `json:"kind"`
	Amount       int64  `json:"amount"`
	BalanceAfter int64  `json:"balance_after"`
	Reason       string `json:"reason,omitempty"`
}

// Balance is an account's credit position.
type Balance struct {
	AccountID string `json:"account_id"`
	Prepaid   bool   `json:"prepaid"`
	Balance   int64  `json:"balance"`
	Held      int64  `json:"held"`
	Available int64  `json:"available"`
}

// Prices are micros per million tokens, and per request.
type Prices struct {
	Input       int64 `json:"input"`
	CachedInput int64 `json:"cached_input"`
	CacheWrite  int64 `json:"cache_write"`
	Output      int64 `json:"output"`
	Reasoning   int64 `json:"reasoning"`
	PerRequest  int64 `json:"per_request"`
}

// Model is a catalog entry.
type Model struct {
	Name      string   `json:"name"`
	Aliases   []string `json:"aliases"`
	Prices    Prices   `json:"prices"`
	MaxOutput int64    `json:"max_output,omitempty"`
	OwnedBy   string   `json:"owned_by,omitempty"`
}

// Binding routes a model in a namespace to a provider; ProviderID takes
// an id or, when creating one, a name.
type Binding struct {
	ID            string `json:"id,omitempty"`
	Namespace     string `json:"namespace"`
	Model         string `json:"model"`
	ProviderID    string `json:"provider_id"`
	UpstreamModel string `json:"upstream_model,omitempty"`
	Priority      int    `json:"priority"`
}

// ImportSummary is the outcome of a bulk import of credentials.
type ImportSummary struct {
	Added      int `json:"added"`
	Duplicates int `json:"duplicates"`
	Empty      int `json:"empty"`
	// Failed counts the secrets not imported because the import stopped.
	Failed int `json:"failed"`
}

// ValidateOptions narrow a validation run; zero values take the server's
// defaults.
type ValidateOptions struct {
	States      []string `json:"states,omitempty"`
	SkipWithin  int64    `json:"skip_validated_within_seconds,omitempty"`
	Concurrency int      `json:"concurrency,omitempty"`
	BatchSize   int      `json:"batch_size,omitempty"`
}

// ValidationRun is the outcome of validating a provider's credentials.
type ValidationRun struct {
	ID      string             `json:"id"`
	Checked int                `json:"checked"`
	Skipped int                `json:"skipped"`
	Valid   int                `json:"valid"`
	Results []ValidationResult `json:"results"`
}

// ValidationResult is one credential's check.
type ValidationResult struct {
	CredentialID string `json:"credential_id"`
	Name         string `json:"name"`
	OK           bool   `json:"ok"`
	Error        string `json:"error,omitempty"`
	Status       string `json:"status"`
}

type list[T any] struct {
	Data []T `json:"data"`
}

// Providers lists the providers (GET /admin/providers).
func (c *Client) Providers(ctx context.Context) ([]Provider, error) {
	var out list[Provider]
	return out.Data, c.do(ctx, http.MethodGet, "/admin/providers", nil, &out)
}

// Provider finds a provider by id or name (GET /admin/providers/{ref}).
func (c *Client) Provider(ctx context.Context, ref string) (*Provider, error) {
	var p Provider
	return &p, c.do(ctx, http.MethodGet, "/admin/providers/"+esc(ref), nil, &p)
}

// CreateProvider creates a provider with its first credentials (POST
// /admin/providers).
func (c *Client) CreateProvider(ctx context.Context, p Provider) (*Provider, error) {
	var out Provider
	return &out, c.do(ctx, http.MethodPost, "/admin/providers", p, &out)
}

// Credentials lists a provider's credentials (GET
// /admin/providers/{ref}/credentials).
func (c *Client) Credentials(ctx context.Context, providerRef string) ([]Credential, error) {
	var out list[Credential]
	return out.Data, c.do(ctx, http.MethodGet, "/admin/providers/"+esc(providerRef)+"/credentials", nil, &out)
}

// ExportSecrets returns a provider's secrets in the order Credentials
// lists them (GET /admin/providers/{ref}/credentials/export).
func (c *Client) ExportSecrets(ctx context.Context, providerRef string) ([]string, error) {
	resp, err := c.send(ctx, http.MethodGet, "/admin/providers/"+esc(providerRef)+"/credentials/export", "text/plain", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		return nil, transportError(c.base, err)
	}
	text := strings.TrimSuffix(b.String(), "\n")
	if text == "" {
		return nil, nil
	}
	return strings.Split(text, "\n"), nil
}

// ImportCredentials adds secrets to a provider, skipping blanks and the
// ones it has or the list repeats (POST
// /admin/providers/{ref}/credentials/import, streamed); progress hears
// the server's {"done","total"} lines. When the server stops part way, the
// summary says what was added and the error why.
func (c *Client) ImportCredentials(ctx context.Context, providerRef string, secrets []string, weight int, progress func(done, total int)) (ImportSummary, error) {
	var sum ImportSummary
	var final bool
	var failure error
	err := c.stream(ctx, http.MethodPost, "/admin/providers/"+esc(providerRef)+"/credentials/import",
		map[string]any{"keys": secrets, "weight": weight}, func(b []byte) error {
			var line struct {
				progressLine
				Added      *int         `json:"added"`
				Duplicates int          `json:"duplicates"`
				Empty      int          `json:"empty"`
				Error      *errorDetail `json:"error"`
			}
			if err := json.Unmarshal(b, &line); err != nil {
				return errors.New("import: the server's progress is not NDJSON: " + err.Error())
			}
			switch {
			case line.Added != nil:
				final = true
				sum.Added, sum.Duplicates, sum.Empty = *line.Added, line.Duplicates, line.Empty
				if line.Error != nil {
					failure = line.Error.apiError(0) // after the 200 that began the stream
				}
			case line.Done != nil && line.Total != nil && progress != nil:
				progress(*line.Done, *line.Total)
			}
			return nil
		})
	if err == nil && !final {
		err = &unreachableError{errors.New("import: the server closed the stream before its summary")}
	}
	if err == nil {
		err = failure
	}
	if err != nil {
		sum.Failed = len(secrets) - sum.Added - sum.Duplicates - sum.Empty
	}
	return sum, err
}

// Validate checks a provider's credentials against its API (POST
// /admin/validation/providers/{ref}, streamed); progress hears the
// server's {"done","total"} lines.
func (c *Client) Validate(ctx context.Context, providerRef string, o ValidateOptions, progress func(done, total int)) (*ValidationRun, error) {
	var run *ValidationRun
	err := c.stream(ctx, http.MethodPost, "/admin/validation/providers/"+esc(providerRef), o, func(b []byte) error {
		var line struct {
			progressLine
			ID    *string      `json:"id"`
			Error *errorDetail `json:"error"`
		}
		if err := json.Unmarshal(b, &line); err != nil {
			return errors.New("validate: the server's progress is not NDJSON: " + err.Error())
		}
		switch {
		case line.Error != nil:
			return line.Error.apiError(0) // after the 200 that began the stream
		case line.ID != nil:
			run = new(ValidationRun)
			return json.Unmarshal(b, run)
		case line.Done != nil && line.Total != nil && progress != nil:
			progress(*line.Done, *line.Total)
		}
		return nil
	})
	if err == nil && run == nil {
		err = &unreachableError{errors.New("validate: the server closed the stream before the run's outcome")}
	}
	return run, err
}

// Accounts lists the accounts (GET /admin/accounts).
func (c *Client) Accounts(ctx context.Context) ([]Account, error) {
	var out list[Account]
	return out.Data, c.do(ctx, http.MethodGet, "/admin/accounts", nil, &out)
}

// CreateAccount creates an account (POST /admin/accounts).
func (c *Client) CreateAccount(ctx context.Context, name string, prepaid bool) (*Account, error) {
	var out Account
	return &out, c.do(ctx, http.MethodPost, "/admin/accounts", map[string]any{"name": name, "prepaid": prepaid}, &out)
}

// Account finds an account by id, or else by name (GET
// /admin/accounts/{id}, then the list).
func (c *Client) Account(ctx context.Context, ref string) (*Account, error) {
	var a Account
	err := c.do(ctx, http.MethodGet, "/admin/accounts/"+esc(ref), nil, &a)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		return &a, err
	}
	as, lerr := c.Accounts(ctx)
	if lerr != nil {
		return nil, lerr
	}
	for _, a := range as {
		if a.Name == ref {
			return &a, nil
		}
	}
	return nil, err
}

// IssueKey issues a key to an account (POST /admin/accounts/{id}/keys);
// the answer holds the secret once.
func (c *Client) IssueKey(ctx context.Context, accountID string, in KeyInput) (*Key, error) {
	var out Key
	return &out, c.do(ctx, http.MethodPost, "/admin/accounts/"+esc(accountID)+"/keys", in, &out)
}

// Keys lists keys, of one account when accountID is set (GET
// /admin/keys).
func (c *Client) Keys(ctx context.Context, accountID string) ([]Key, error) {
	var out list[Key]
	path := "/admin/keys"
	if accountID != "" {
		path += "?account_id=" + esc(accountID)
	}
	return out.Data, c.do(ctx, http.MethodGet, path, nil, &out)
}

// RevokeKey revokes one key (DELETE /admin/keys/{id}).
func (c *Client) RevokeKey(ctx context.Context, id string) (*Key, error) {
	var out Key
	return &out, c.do(ctx, http.MethodDelete, "/admin/keys/"+esc(id), nil, &out)
}

// RevokeAccountKeys revokes every key of an account at once (POST
// /admin/accounts/{id}/revoke-keys).
func (c *Client) RevokeAccountKeys(ctx context.Context, accountID string) (*Account, error) {
	var out Account
	return &out, c.do(ctx, http.MethodPost, "/admin/accounts/"+esc(accountID)+"/revoke-keys", nil, &out)
}

// Credit adds a ledger entry of kind (grant, purchase, adjustment) to an
// account (POST /admin/accounts/{id}/credits).
func (c *Client) Credit(ctx context.Context, accountID, kind string, micros int64, reason string) (*Entry, error) {
	var out Entry
	return &out, c.do(ctx, http.MethodPost, "/admin/accounts/"+esc(accountID)+"/credits",
		map[string]any{"kind": kind, "amount": micros, "reason": reason}, &out)
}

// Balance returns an account's balance (GET /admin/accounts/{id}/balance).
func (c *Client) Balance(ctx context.Context, accountID string) (*Balance, error) {
	var out Balance
	return &out, c.do(ctx, http.MethodGet, "/admin/accounts/"+esc(accountID)+"/balance", nil, &out)
}

// Models lists the catalog the admin API wrote (GET /admin/models).
func (c *Client) Models(ctx context.Context) ([]Model, error) {
	var out list[Model]
	return out.Data, c.do(ctx, http.MethodGet, "/admin/models", nil, &out)
}

// PutModel creates or replaces a catalog entry (PUT /admin/models/{name}).
func (c *Client) PutModel(ctx context.Context, m Model) error {
	in := struct {
		Aliases   []string `json:"aliases"`
		Prices    Prices   `json:"prices"`
		MaxOutput int64    `json:"max_output"`
		OwnedBy   string   `json:"owned_by"`
	}{m.Aliases, m.Prices, m.MaxOutput, m.OwnedBy}
	return c.do(ctx, http.MethodPut, "/admin/models/"+escPath(m.Name), in, nil)
}

// Bindings lists the bindings (GET /admin/bindings).
func (c *Client) Bindings(ctx context.Context) ([]Binding, error) {
	var out list[Binding]
	return out.Data, c.do(ctx, http.MethodGet, "/admin/bindings", nil, &out)
}

// CreateBinding creates a binding (POST /admin/bindings).
func (c *Client) CreateBinding(ctx context.Context, b Binding) error {
	return c.do(ctx, http.MethodPost, "/admin/bindings", b, nil)
}
