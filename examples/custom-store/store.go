// Package customstore shows how to write a gateway.Store of your own: here
// a Store that keeps accounts and their client keys in a JSON file the
// application already owns (say, next to its users), and hands every
// other noun (providers, credentials, models, records, the ledger, ...)
// to another Store.
//
// gateway.Store is not one big interface but a set of small ones
// (AccountStore, KeyStore, ProviderStore, ...), one per noun, and
// gatewaytest.TestStore checks each method of each of them: what it
// returns, which error Code it fails with, that it copies what it is
// given and what it returns, that Update closures are atomic. That makes
// a partial Store the sensible way to start: embed a complete one
// (adapters/memory, or adapters/sqlstore for durability) for the nouns
// you do not keep yourself, write your own methods for one noun, and run
// the suite; its subtests for that noun ("CreateAccount/ErrConflictName")
// tell you what each method still gets wrong. Then take the next noun.
// A full adapter is only the same work done for every interface:
// adapters/memory and adapters/sqlstore are two, and pass the same suite.
//
// Nouns that refer to each other must live in the same place: CreateKey
// must fail with CodeNotFound when the key's account does not exist, so
// keys cannot be delegated while accounts are kept here (the other Store
// would not know them). This Store keeps both. The suite checks such
// invariants, so a split that breaks one fails it.
package customstore

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

var _ gateway.Store = (*Store)(nil)

// Store is a gateway.Store that keeps accounts and keys in a JSON file,
// rewritten on every change, and every other noun in another Store.
//
// The embedded interfaces below list exactly what is delegated: the
// compiler rejects a Store that has neither its own method nor a
// delegate for one, and the accounts and keys of the other Store are
// never reached by mistake (as they could be if it embedded a whole
// *memory.Store and a method of ours were missing).
//
// Use Open; the zero value is not usable. A Store is safe for concurrent
// use within one process; two processes must not share its file.
type Store struct {
	gateway.ProviderStore
	gateway.CredentialStore
	gateway.ModelStore
	gateway.BindingStore
	gateway.RecordStore
	gateway.StatsStore
	gateway.SettingsStore
	gateway.AlertStore
	gateway.LedgerStore
	gateway.CouponStore
	gateway.PolicyStore

	path string
	// mu guards accounts and keys, and the file: writers hold it while
	// they save, so the file always holds one consistent state.
	mu       sync.RWMutex
	accounts map[string]*gateway.Account
	keys     map[string]*gateway.Key
}

// file is the JSON document on disk.
type file struct {
	Accounts []*gateway.Account `json:"accounts"`
	Keys     []*gateway.Key     `json:"keys"`
}

// Open returns a Store that keeps accounts and keys in the file at path,
// loading what it holds (a missing file is an empty Store), and every
// other noun in rest. With memory.NewStore() those live as long as the
// process: providers, records and the ledger (so prepaid balances) are
// gone at the next start; give it a sqlstore.Store to keep them. Rest's
// own accounts and keys are never used. Open does not take ownership of
// rest: whoever opened it closes it.
func Open(path string, rest gateway.Store) (*Store, error) {
	s := &Store{
		ProviderStore: rest, CredentialStore: rest, ModelStore: rest, BindingStore: rest,
		RecordStore: rest, StatsStore: rest, SettingsStore: rest, AlertStore: rest,
		LedgerStore: rest, CouponStore: rest, PolicyStore: rest,
		path:     path,
		accounts: make(map[string]*gateway.Account),
		keys:     make(map[string]*gateway.Key),
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("customstore: %w", err)
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("customstore: read %s: %w", path, err)
	}
	for _, a := range f.Accounts {
		s.accounts[a.ID] = a
	}
	for _, k := range f.Keys {
		s.keys[k.ID] = k
	}
	return s, nil
}

// commit saves the maps after a change to them, or, when the file cannot
// be written, calls undo to take the change back and returns the error:
// the Store never holds what its file does not. The caller holds s.mu.
func (s *Store) commit(undo func()) error {
	if err := s.save(); err != nil {
		undo()
		return err
	}
	return nil
}

// save writes the accounts and keys to a temporary file and renames it
// over the old one, so that a crash leaves the old file or the new one,
// never half of one. The caller holds s.mu.
func (s *Store) save() error {
	f := file{Accounts: sortedAccounts(s.accounts), Keys: sortedKeys(s.keys, "")}
	b, err := json.MarshalIndent(f, "", "\t")
	if err != nil {
		return fmt.Errorf("customstore: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), filepath.Base(s.path)+".*")
	if err != nil {
		return fmt.Errorf("customstore: %w", err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("customstore: save %s: %w", s.path, err)
	}
	return nil
}

// oldestFirst orders by creation time, then ID: the order the List
// methods promise.
func oldestFirst(aCreated time.Time, aID string, bCreated time.Time, bID string) int {
	if c := aCreated.Compare(bCreated); c != 0 {
		return c
	}
	return cmp.Compare(aID, bID)
}
