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
// A key that sets more (models, a namespace, addresses, limits, a
// budget, an expiry) is kept whole.
type keyTable struct {
	// index finds an entry by the first 128 bits of the key's
	// HMAC-SHA256: finding a key that matches one of them takes 2^128
	// tries without the gateway's secret, as for the whole digest, and
	// half the bytes make the index a third smaller.
	index map[[16]byte]int32
	slim  []slimKey
	made  []atomic.Pointer[Key] // the Key of each entry, once made
}

// slimKey is what a key without options needs to be remade exactly; its
// Status is active (the table holds no other) and its Digest is the
// table's.
type slimKey struct {
	id, accountID, name, prefix, issuedBy string
	epoch                                 int64
	master                                bool
	createdAt                             time.Time
}

// newKeyTable indexes the active keys of keys. Strings that many keys
// share (account, issuer) are kept once.
func newKeyTable(keys []*Key) *keyTable {
	t := &keyTable{index: make(map[[16]byte]int32, len(keys))}
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
		short := [16]byte(d[:16])
		if _, dup := t.index[short]; dup {
			continue
		}
		t.index[short] = int32(len(t.slim))
		if k.slim() {
			t.slim = append(t.slim, slimKey{id: k.ID, accountID: intern(k.AccountID), name: k.Name, prefix: k.Prefix,
				issuedBy: intern(k.IssuedBy), epoch: k.Epoch, master: k.Master, createdAt: k.CreatedAt})
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
	return k.Models == nil && k.Namespaces == nil && k.AllowedIPs == nil && k.Namespace == "" &&
		k.Limits == (Limits{}) && k.Budget == (Budget{}) && k.ExpiresAt.IsZero() && k.RevokedAt.IsZero()
}

// find returns the key of a raw digest, made on its first use.
func (t *keyTable) find(digest *[32]byte) (*Key, bool) {
	i, ok := t.index[[16]byte(digest[:16])]
	if !ok {
		return nil, false
	}
	if k := t.made[i].Load(); k != nil {
		return k, true
	}
	s := &t.slim[i]
	k := &Key{ID: s.id, AccountID: s.accountID, Name: s.name, Prefix: s.prefix, Digest: hex.EncodeToString(digest[:]),
		Status: StatusActive, Epoch: s.epoch, Master: s.master, IssuedBy: s.issuedBy, CreatedAt: s.createdAt}
	if !t.made[i].CompareAndSwap(nil, k) {
		k = t.made[i].Load()
	}
	return k, true
}
