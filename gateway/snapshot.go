package gateway

import (
	"context"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Snapshot is the configuration the request path reads: keys, accounts,
// providers with their Upstreams and credentials, the model catalog and the
// bindings, indexed for lookups that do no I/O. A Snapshot is immutable
// once built (credential pickers aside, which have their own lock); a new
// one replaces it whole.
type Snapshot struct {
	keys      *keyTable
	accounts  map[string]*Account
	providers map[string]*target // by provider ID
	ordered   []*target          // by provider name, for model-based routing
	models    map[string]*Model  // by name and by alias
	catalog   []*Model           // by name
	bindings  []*Binding         // by priority, then creation
	settings  *Settings          // nil: the host's configuration serves
	// balances are the Store's credit balances less the credits the
	// Cache has yet to add (see biller.seeds), which the Cache starts
	// from when it has none for an account.
	balances map[string]Micros
	// policies are the retry policies, by priority.
	policies []*RetryPolicy
	BuiltAt  time.Time
}

// target is a provider ready to serve: its Upstream and a picker over its
// active credentials.
type target struct {
	provider *Provider
	upstream Upstream
	picker   *picker
}

// openUpstream returns the Upstream for p, reusing the previous one when p
// has not changed since, so its connection pool survives the reload.
type openUpstream func(p *Provider) (Upstream, error)

// reusePicker returns the previous picker of a provider when its
// credentials are the same, so that a reload does not restart the
// weighted order; otherwise it returns a new one.
type reusePicker func(providerID string, creds []*Credential) *picker

// loadSnapshot reads the whole configuration from the Store.
func loadSnapshot(ctx context.Context, s Store, balancesOf func(context.Context) (map[string]Micros, error), open openUpstream, pick reusePicker, defaults []Model, now time.Time) (*Snapshot, []error, error) {
	accounts, err := s.ListAccounts(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load accounts: %w", err)
	}
	keys, err := s.ListKeys(ctx, KeyFilter{})
	if err != nil {
		return nil, nil, fmt.Errorf("load keys: %w", err)
	}
	providers, err := s.ListProviders(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load providers: %w", err)
	}
	creds, err := s.ListCredentials(ctx, CredentialFilter{})
	if err != nil {
		return nil, nil, fmt.Errorf("load credentials: %w", err)
	}
	models, err := s.ListModels(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load models: %w", err)
	}
	models = withDefaults(models, defaults)
	bindings, err := s.ListBindings(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load bindings: %w", err)
	}
	settings, err := s.GetSettings(ctx)
	if err != nil && !IsCode(err, CodeNotFound) {
		return nil, nil, fmt.Errorf("load settings: %w", err)
	}
	balances, err := balancesOf(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load balances: %w", err)
	}
	policies, err := s.ListPolicies(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load retry policies: %w", err)
	}
	var skippedPolicies []error
	usable := policies[:0]
	for _, p := range policies {
		if err := p.Validate(); err != nil { // compiles the rules' expressions
			skippedPolicies = append(skippedPolicies, fmt.Errorf("retry policy %s: %w", p.Name, err))
			continue
		}
		usable = append(usable, p)
	}
	sort.SliceStable(usable, func(i, j int) bool { return usable[i].Priority < usable[j].Priority })

	snap := &Snapshot{
		keys:      newKeyTable(keys),
		accounts:  make(map[string]*Account, len(accounts)),
		providers: make(map[string]*target, len(providers)),
		models:    make(map[string]*Model, len(models)),
		catalog:   models,
		settings:  settings,
		balances:  balances,
		policies:  usable,
		BuiltAt:   now,
	}
	for _, a := range accounts {
		snap.accounts[a.ID] = a
	}
	byProvider := make(map[string][]*Credential)
	for _, c := range creds {
		if c.Status == StatusActive || c.Status == StatusDegraded || c.Status == StatusDisabled && !c.DisabledUntil.IsZero() {
			byProvider[c.ProviderID] = append(byProvider[c.ProviderID], c)
		}
	}
	skipped := skippedPolicies
	for _, p := range providers {
		if p.Status != StatusActive {
			continue
		}
		up, err := open(p)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("provider %s: %w", p.Name, err))
			continue
		}
		t := &target{provider: p, upstream: up, picker: pick(p.ID, byProvider[p.ID])}
		snap.providers[p.ID] = t
		snap.ordered = append(snap.ordered, t)
	}
	sort.Slice(snap.ordered, func(i, j int) bool { return snap.ordered[i].provider.Name < snap.ordered[j].provider.Name })
	for _, m := range models {
		snap.models[m.Name] = m
	}
	for _, m := range models { // aliases never shadow a real name
		for _, a := range m.Aliases {
			if _, taken := snap.models[a]; !taken {
				snap.models[a] = m
			}
		}
	}
	for _, b := range bindings {
		if _, ok := snap.providers[b.ProviderID]; ok {
			snap.bindings = append(snap.bindings, b)
		}
	}
	sort.SliceStable(snap.bindings, func(i, j int) bool { return snap.bindings[i].Priority < snap.bindings[j].Priority })
	return snap, skipped, nil
}

// picker spreads requests over credentials by weight with smooth weighted
// round robin (as nginx does): deterministic, so tests can predict it, and
// even at small counts, unlike random choice, which clumps.
type picker struct {
	mu      sync.Mutex
	creds   []*Credential
	current []int
	total   int
	// signature names the credentials and weights the picker was made for.
	signature string
}

func newPicker(creds []*Credential) *picker {
	p := &picker{creds: creds, current: make([]int, len(creds)), signature: pickerSignature(creds)}
	for _, c := range creds {
		p.total += c.Weight
	}
	return p
}

func pickerSignature(creds []*Credential) string {
	var b strings.Builder
	for _, c := range creds {
		b.WriteString(c.ID)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(c.Weight))
		b.WriteByte(':')
		b.WriteString(string(c.Status))
		b.WriteByte(':')
		b.WriteString(strconv.FormatInt(c.DisabledUntil.UnixNano(), 10))
		b.WriteByte(':')
		// A new secret (a renewed OAuth token, a replaced key) is a new
		// credential to the picker; a digest of it, so that the
		// signature holds nothing secret.
		h := fnv.New64a()
		h.Write([]byte(c.Secret))
		b.WriteString(strconv.FormatUint(h.Sum64(), 36))
		b.WriteByte(',')
	}
	return b.String()
}

// pinned returns the credential with id when it is one of the picker's,
// not tried and usable at now; else nil.
func (p *picker) pinned(id string, tried map[string]bool, now time.Time) *Credential {
	if id == "" || tried[id] {
		return nil
	}
	for _, c := range p.creds {
		if c.ID == id && c.usable(now) {
			return c
		}
	}
	return nil
}

// pick returns the next credential not in tried and healthy at now; when
// none is, the next degraded one; nil when none is left.
func (p *picker) pick(tried map[string]bool, now time.Time) *Credential {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.next(tried, now, (*Credential).healthy); c != nil {
		return c
	}
	return p.next(tried, now, (*Credential).usable)
}

// next is smooth weighted round robin over the credentials ok accepts.
func (p *picker) next(tried map[string]bool, now time.Time, ok func(*Credential, time.Time) bool) *Credential {
	best, total := -1, 0
	for i, c := range p.creds {
		if tried[c.ID] || !ok(c, now) {
			continue
		}
		p.current[i] += c.Weight
		total += c.Weight
		if best < 0 || p.current[i] > p.current[best] {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	p.current[best] -= total
	return p.creds[best]
}

// withDefaults adds to the stored catalog the default models whose name
// it does not have, by name.
func withDefaults(stored []*Model, defaults []Model) []*Model {
	if len(defaults) == 0 {
		return stored
	}
	have := make(map[string]bool, len(stored))
	for _, m := range stored {
		have[m.Name] = true
	}
	for i := range defaults {
		if !have[defaults[i].Name] {
			m := defaults[i]
			stored = append(stored, &m)
		}
	}
	sort.Slice(stored, func(i, j int) bool { return stored[i].Name < stored[j].Name })
	return stored
}

// pricedModel returns the catalog entry that prices model m when the
// provider with providerID serves it: "provider/model" when the catalog
// has one (a provider's own price for the model), else m.
func (s *Snapshot) pricedModel(providerID string, m *Model) *Model {
	if t, ok := s.providers[providerID]; ok && m != nil {
		if own, ok := s.models[t.provider.Name+"/"+m.Name]; ok {
			return own
		}
	}
	return m
}
