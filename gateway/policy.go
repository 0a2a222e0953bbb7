package gateway

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// The actions a retry rule takes.
const (
	// ActionRetry calls the same credential again, up to MaxRetries times,
	// Backoff apart.
	ActionRetry = "retry"
	// ActionNextCredential tries the provider's next credential (the
	// default for upstream failures).
	ActionNextCredential = "next_credential"
	// ActionNextProvider skips the provider's other credentials.
	ActionNextProvider = "next_provider"
	// ActionDisableCredential disables the credential for DisableFor,
	// then tries the next one.
	ActionDisableCredential = "disable_credential"
	// ActionInvalidateCredential invalidates the credential, then tries
	// the next one.
	ActionInvalidateCredential = "invalidate_credential"
	// ActionFail returns the error to the client at once.
	ActionFail = "fail"
)

// RetryRule matches a failed attempt and says what to do. Empty match
// fields match anything; a rule must name at least one.
type RetryRule struct {
	Statuses []int    // the provider's HTTP status
	Types    []string // the provider's error type or code
	// Contains matches the error message, case-insensitively; Regexp
	// matches it as a regular expression.
	Contains   string
	Regexp     string
	Action     string
	MaxRetries int           // for ActionRetry; default 1
	Backoff    time.Duration // for ActionRetry
	DisableFor time.Duration // for ActionDisableCredential; default 5m

	re *regexp.Regexp
}

// RetryPolicy is a named, reusable list of rules, attached to providers
// by their "retry_policies" option (comma-separated names). A failed
// attempt is judged by the rules of the provider's policies in Priority
// order (lowest first), first match wins; when none matches, the
// built-in behaviour applies (upstream failures try the next credential,
// the client's errors fail, 401/403 invalidate the credential).
type RetryPolicy struct {
	ID        string
	Name      string
	Priority  int
	Rules     []RetryRule
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate reports the first field at fault as a CodeInvalid error, and
// compiles the rules' regular expressions.
func (p *RetryPolicy) Validate() error {
	if !providerName.MatchString(p.Name) {
		return Invalid("name", "name must be 1-63 lowercase letters, digits, '.', '_' or '-'")
	}
	if len(p.Rules) == 0 {
		return Invalid("rules", "a policy needs at least one rule")
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		if len(r.Statuses) == 0 && len(r.Types) == 0 && r.Contains == "" && r.Regexp == "" {
			return Invalid("rules", "rules[%d] matches nothing in particular: give statuses, types, contains or regexp", i)
		}
		switch r.Action {
		case ActionRetry, ActionNextCredential, ActionNextProvider, ActionDisableCredential, ActionInvalidateCredential, ActionFail:
		default:
			return Invalid("rules", "rules[%d].action must be retry, next_credential, next_provider, disable_credential, invalidate_credential or fail", i)
		}
		if r.MaxRetries < 0 || r.MaxRetries > 10 || r.Backoff < 0 || r.Backoff > time.Minute || r.DisableFor < 0 {
			return Invalid("rules", "rules[%d]: max_retries must be 0-10, backoff at most 1m, disable_for not negative", i)
		}
		if r.Regexp != "" {
			re, err := regexp.Compile(r.Regexp)
			if err != nil {
				return Invalid("rules", "rules[%d].regexp does not compile: %v", i, err)
			}
			r.re = re
		}
	}
	return nil
}

// matches reports whether the rule applies to e.
func (r *RetryRule) matches(e *Error) bool {
	if len(r.Statuses) > 0 && !containsInt(r.Statuses, e.Status) {
		return false
	}
	if len(r.Types) > 0 && !containsString(r.Types, e.Type) {
		return false
	}
	if r.Contains != "" && !strings.Contains(strings.ToLower(e.Message), strings.ToLower(r.Contains)) {
		return false
	}
	if r.re != nil && !r.re.MatchString(e.Message) {
		return false
	}
	return true
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func containsString(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// PolicyStore keeps retry policies.
type PolicyStore interface {
	// PutPolicy creates or replaces the policy with p.Name.
	PutPolicy(ctx context.Context, p *RetryPolicy) error
	// ListPolicies returns every policy, by name.
	ListPolicies(ctx context.Context) ([]*RetryPolicy, error)
	// DeletePolicy removes the policy called name. CodeNotFound if there
	// is none.
	DeletePolicy(ctx context.Context, name string) error
}

// PutPolicy creates or replaces a retry policy and applies it on every
// instance. CodeInvalid for a bad field or regular expression.
func (a *Admin) PutPolicy(ctx context.Context, p *RetryPolicy) (*RetryPolicy, error) {
	now := a.g.clock.Now()
	if p.ID == "" {
		p.ID = a.g.ids.NewID("pol_")
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.UpdatedAt = now
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := a.g.store.PutPolicy(ctx, p); err != nil {
		return nil, err
	}
	a.changed(ctx)
	return p, nil
}

// Policies returns every retry policy.
func (a *Admin) Policies(ctx context.Context) ([]*RetryPolicy, error) {
	return a.g.store.ListPolicies(ctx)
}

// DeletePolicy removes a retry policy. CodeNotFound if there is none.
func (a *Admin) DeletePolicy(ctx context.Context, name string) error {
	if err := a.g.store.DeletePolicy(ctx, name); err != nil {
		return err
	}
	a.changed(ctx)
	return nil
}

// ruleFor returns the first rule of the provider's policies that matches
// e, or nil.
func (s *Snapshot) ruleFor(p *Provider, e *Error) *RetryRule {
	names := p.Options["retry_policies"]
	if names == "" {
		return nil
	}
	for _, pol := range s.policies { // by priority
		if !containsString(strings.Split(strings.ReplaceAll(names, " ", ""), ","), pol.Name) {
			continue
		}
		for i := range pol.Rules {
			if pol.Rules[i].matches(e) {
				return &pol.Rules[i]
			}
		}
	}
	return nil
}
