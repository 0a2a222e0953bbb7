// Package memory implements gateway.Store and gateway.Cache in process.
//
// The Cache is the default for a single gateway instance: with one
// process it is exact, and nothing else needs to run. The Store keeps
// everything in maps and loses it when the process ends; it serves tests,
// demos and configuration loaded from a file at start.
package memory

import (
	"cmp"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

var _ gateway.Store = (*Store)(nil)

// Store is a gateway.Store in process memory. It keeps deep copies of
// what it is given and hands out deep copies, so no caller can change it
// except through its methods. It enforces the unique constraints a SQL
// store would: IDs per entity, Account.Name, Provider.Name and
// Key.Digest.
//
// Update closures run while the Store is locked, so they must not call
// the Store; like every Update closure they should be pure domain logic.
// A closure cannot change the ID of what it updates: the Store restores
// it.
//
// Records and statistics are kept until the process ends, or until
// DeleteRecordsBefore and DeleteStatsBefore delete them: a long-running
// gateway should use a persistent Store.
//
// Use NewStore; the zero value is not usable. A Store is safe for
// concurrent use.
type Store struct {
	mu          sync.RWMutex
	accounts    map[string]*gateway.Account
	keys        map[string]*gateway.Key
	keyDigests  map[string]string // digest → key ID, so a taken digest is found in O(1)
	providers   map[string]*gateway.Provider
	credentials map[string]*gateway.Credential
	bindings    map[string]*gateway.Binding
	models      map[string]*gateway.Model
	records     map[string]*gateway.RequestRecord
	ledger      ledger
	coupons     coupons
	policies    map[string]*gateway.RetryPolicy
	// credentialEvents are kept in the order they were added.
	credentialEvents []*gateway.CredentialEvent
	stats            map[gateway.StatKey]*gateway.StatCounts
	settings         *gateway.Settings
	alerts           map[string]*gateway.Alert
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{
		accounts:    make(map[string]*gateway.Account),
		keys:        make(map[string]*gateway.Key),
		keyDigests:  make(map[string]string),
		providers:   make(map[string]*gateway.Provider),
		credentials: make(map[string]*gateway.Credential),
		bindings:    make(map[string]*gateway.Binding),
		models:      make(map[string]*gateway.Model),
		records:     make(map[string]*gateway.RequestRecord),
		stats:       make(map[gateway.StatKey]*gateway.StatCounts),
		alerts:      make(map[string]*gateway.Alert),
	}
}

// oldestFirst orders entities by creation time, then ID, as the List
// methods promise.
func oldestFirst(aTime time.Time, aID string, bTime time.Time, bID string) int {
	if c := aTime.Compare(bTime); c != 0 {
		return c
	}
	return cmp.Compare(aID, bID)
}

// listOf returns copies of the values of m that keep, sorted by compare.
func listOf[T any](m map[string]*T, keep func(*T) bool, clone func(*T) *T, compare func(a, b *T) int) []*T {
	out := make([]*T, 0, len(m))
	for _, v := range m {
		if keep == nil || keep(v) {
			out = append(out, clone(v))
		}
	}
	slices.SortFunc(out, compare)
	return out
}

func copyAccount(a *gateway.Account) *gateway.Account {
	c := *a
	c.Namespaces = slices.Clone(a.Namespaces)
	return &c
}

func copyKey(k *gateway.Key) *gateway.Key {
	c := *k
	c.Models = slices.Clone(k.Models)
	c.Namespaces = slices.Clone(k.Namespaces)
	c.AllowedIPs = slices.Clone(k.AllowedIPs)
	return &c
}

func copyProvider(p *gateway.Provider) *gateway.Provider {
	c := *p
	c.Headers = maps.Clone(p.Headers)
	c.Models = slices.Clone(p.Models)
	c.Options = maps.Clone(p.Options)
	return &c
}

func copyCredential(cr *gateway.Credential) *gateway.Credential {
	c := *cr
	if cr.OAuth != nil {
		o := *cr.OAuth
		o.Scopes = slices.Clone(cr.OAuth.Scopes)
		c.OAuth = &o
	}
	return &c
}

func copyBinding(b *gateway.Binding) *gateway.Binding {
	c := *b
	return &c
}

func copyModel(m *gateway.Model) *gateway.Model {
	c := *m
	c.Aliases = slices.Clone(m.Aliases)
	return &c
}

func copyRecord(r *gateway.RequestRecord) *gateway.RequestRecord {
	c := *r
	c.Attempts = slices.Clone(r.Attempts)
	if d := r.Usage.PromptTokensDetails; d != nil {
		dc := *d
		c.Usage.PromptTokensDetails = &dc
	}
	if d := r.Usage.CompletionTokensDetails; d != nil {
		dc := *d
		c.Usage.CompletionTokensDetails = &dc
	}
	return &c
}
