package gateway

import (
	"encoding/hex"
	"slices"
	"sync/atomic"
	"time"
)

// keyTable finds a Snapshot's active keys by digest, in little memory: a
// gateway may hold hundreds of thousands of keys (bulk imports), most of
// them idle, and most setting nothing but who they are. Those are kept
// as a slim entry, about a third of a Key, and the *Key a Caller carries
// is made the first time the key is used and kept for the Snapshot's
// life, so that a lookup allocates nothing after a key's first request.
// A key that sets more (models, namespaces, addresses, limits, a
// budget) is kept whole.
type keyTable struct {
	index map[[32]byte]int32 // raw digest → entry
	slim  []slimKey
	made  []atomic.Pointer[Key] // the Key of each entry, once made
}

// slimKey is what a key without options needs to be remade exactly; its
// Status is active (the table holds no other) and its Digest is the
// table's.
type slimKey struct {
	id, accountID, name, prefix, namespace, issuedBy string
	epoch                                            int64
	master                                           bool
	createdAt, expiresAt                             time.Time
}

// newKeyTable indexes the active keys of keys. Strings that many keys
// share (account, namespace, issuer) are kept once.
func newKeyTable(keys []*Key) *keyTable {
	t := &keyTable{index: make(map[[32]byte]int32, len(keys))}
	shared := make(map[string]string)
	intern := func(s string) string {
		if v, ok := shared[s]; ok {
			return v
		}
		shared[s] = s
		return s
	}
	var whole []*Key
	for _, k := range keys {
		var d [32]byte
		if k.Status != StatusActive || len(k.Digest) != 64 {
			continue
		}
		if _, err := hex.Decode(d[:], []byte(k.Digest)); err != nil || hex.EncodeToString(d[:]) != k.Digest {
			continue // not a digest this gateway made
		}
		if _, dup := t.index[d]; dup {
			continue
		}
		t.index[d] = int32(len(t.slim))
		if k.slim() {
			t.slim = append(t.slim, slimKey{id: k.ID, accountID: intern(k.AccountID), name: k.Name, prefix: k.Prefix,
				namespace: intern(k.Namespace), issuedBy: intern(k.IssuedBy), epoch: k.Epoch, master: k.Master,
				createdAt: k.CreatedAt, expiresAt: k.ExpiresAt})
			whole = append(whole, nil)
		} else {
			t.slim = append(t.slim, slimKey{})
			whole = append(whole, k)
		}
	}
	t.slim = slices.Clip(t.slim)
	t.made = make([]atomic.Pointer[Key], len(t.slim))
	for i, k := range whole {
		if k != nil {
			t.made[i].Store(k)
		}
	}
	return t
}

// slim reports whether k sets nothing a slimKey leaves out.
func (k *Key) slim() bool {
	return k.Models == nil && k.Namespaces == nil && k.AllowedIPs == nil &&
		k.Limits == (Limits{}) && k.Budget == (Budget{}) && k.RevokedAt.IsZero()
}

// find returns the key of a raw digest, made on its first use.
func (t *keyTable) find(digest *[32]byte) (*Key, bool) {
	i, ok := t.index[*digest]
	if !ok {
		return nil, false
	}
	if k := t.made[i].Load(); k != nil {
		return k, true
	}
	s := &t.slim[i]
	k := &Key{ID: s.id, AccountID: s.accountID, Name: s.name, Prefix: s.prefix, Digest: hex.EncodeToString(digest[:]),
		Status: StatusActive, Epoch: s.epoch, Namespace: s.namespace, Master: s.master, IssuedBy: s.issuedBy,
		ExpiresAt: s.expiresAt, CreatedAt: s.createdAt}
	if !t.made[i].CompareAndSwap(nil, k) {
		k = t.made[i].Load()
	}
	return k, true
}
