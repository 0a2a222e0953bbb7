package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/netip"
	"path"
	"sync"
	"time"
)

// KeyPrefix starts every client key Tollgate issues, so that secret
// scanners and people can tell them apart from provider keys.
const KeyPrefix = "tg-"

// displayLen is how much of a key is kept in clear for display: the prefix
// and five characters of the random part.
const displayLen = len(KeyPrefix) + 5

// Key is a client key. Only its HMAC-SHA256 Digest and a short display
// Prefix are stored; the key itself is shown once, when it is issued.
type Key struct {
	ID        string
	AccountID string
	Name      string
	Prefix    string // the first characters of the key, for display
	Digest    string // hex HMAC-SHA256 of the key under the gateway's key secret
	Status    Status // active or revoked
	// Epoch is the account's Epoch when the key was issued.
	Epoch int64
	// Models the key may call, as path.Match patterns; empty allows all.
	Models []string
	// Namespace the key routes in by default; empty means its account's
	// default.
	Namespace string
	// Namespaces the key may choose per request (X-Tollgate-Namespace),
	// a subset of its account's; empty allows only Namespace.
	Namespaces []string
	// AllowedIPs are the client addresses or CIDR ranges the key may be
	// used from; empty allows any.
	AllowedIPs []string
	// Master keys manage their account's client keys (issue, list,
	// revoke) and call no model. An account's epoch does not revoke them.
	Master bool
	// Limits cap the key alone, within its account's.
	Limits Limits
	// Budget caps what the key spends a day and a month, within its
	// account's budget.
	Budget Budget
	// IssuedBy is "admin" or "account:<id>".
	IssuedBy  string
	ExpiresAt time.Time // zero: never
	CreatedAt time.Time
	RevokedAt time.Time
}

// Validate reports the first field at fault as a CodeInvalid error.
func (k *Key) Validate() error {
	if k.AccountID == "" {
		return Invalid("account_id", "account_id is required")
	}
	if len(k.Name) > 200 {
		return Invalid("name", "name is longer than 200 characters")
	}
	for _, m := range k.Models {
		if _, err := path.Match(m, ""); err != nil || m == "" {
			return Invalid("models", "model pattern %q is not valid", m)
		}
	}
	for _, ip := range k.AllowedIPs {
		if _, err := parsePrefix(ip); err != nil {
			return Invalid("allowed_ips", "%q is not an IP address or CIDR range", ip)
		}
	}
	if err := k.Budget.Validate("budget"); err != nil {
		return err
	}
	return k.Limits.Validate("limits")
}

// UsableAt reports whether the key may serve a request at now for an
// account in the state acct.
func (k *Key) UsableAt(now time.Time, acct *Account) bool {
	return k.Status == StatusActive &&
		(k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt)) &&
		acct != nil && acct.Status == StatusActive && (k.Master || acct.Epoch == k.Epoch)
}

// AllowsIP reports whether the key may be used from ip (an address, as
// in a request's remote address). Unparsable addresses are refused when
// the key names any range.
func (k *Key) AllowsIP(ip string) bool {
	if len(k.AllowedIPs) == 0 {
		return true
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, s := range k.AllowedIPs {
		if p, err := parsePrefix(s); err == nil && p.Contains(addr) {
			return true
		}
	}
	return false
}

// AllowsNamespace reports whether a request with the key may route in ns.
func (k *Key) AllowsNamespace(ns string, acct *Account) bool {
	if ns == k.Namespace || (k.Namespace == "" && ns == acct.DefaultNamespace) {
		return true
	}
	return contains(k.Namespaces, ns) && acct.AllowsNamespace(ns)
}

// parsePrefix reads a CIDR range or a single address (a range of one).
func parsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// AllowsModel reports whether the key may call model.
func (k *Key) AllowsModel(model string) bool {
	if len(k.Models) == 0 {
		return true
	}
	for _, p := range k.Models {
		if ok, _ := path.Match(p, model); ok {
			return true
		}
	}
	return false
}

// KeyFilter selects keys in ListKeys. Zero fields match everything.
type KeyFilter struct {
	AccountID string
}

// KeyStore keeps client keys.
type KeyStore interface {
	// CreateKey stores a new key. CodeConflict if its ID or Digest is
	// taken; CodeNotFound if its account does not exist.
	CreateKey(ctx context.Context, k *Key) error
	// GetKey returns the key. CodeNotFound if there is none.
	GetKey(ctx context.Context, id string) (*Key, error)
	// ListKeys returns the keys that match f, oldest first.
	ListKeys(ctx context.Context, f KeyFilter) ([]*Key, error)
	// UpdateKey loads the key, applies fn and saves the result atomically.
	// CodeNotFound if there is none.
	UpdateKey(ctx context.Context, id string, fn func(*Key) error) (*Key, error)
}

// Hasher turns client keys into the digests that are stored. It is keyed
// by a secret so that a leaked table of digests cannot be checked against
// guessed keys offline.
type Hasher struct {
	secret []byte
	// digests keeps keyed HMAC states and their buffers for reuse, so a
	// key lookup on the request path allocates nothing.
	digests sync.Pool
}

// digester is one HMAC-SHA256 computation's state and buffers.
type digester struct {
	mac hash.Hash
	in  []byte
	sum [sha256.Size]byte
	hex [2 * sha256.Size]byte
}

// digest computes key's hex digest into d.hex.
func (h *Hasher) digest(key string) *digester {
	d, _ := h.digests.Get().(*digester)
	if d == nil {
		d = &digester{mac: hmac.New(sha256.New, h.secret), in: make([]byte, 0, 128)}
	}
	d.mac.Reset()
	d.in = append(d.in[:0], key...)
	d.mac.Write(d.in)
	d.mac.Sum(d.sum[:0])
	hex.Encode(d.hex[:], d.sum[:])
	return d
}

func (h *Hasher) release(d *digester) {
	if cap(d.in) > 4096 {
		d.in = make([]byte, 0, 128) // do not keep a huge key's buffer
	}
	h.digests.Put(d)
}

// NewHasher returns a Hasher keyed by secret, which must be at least 16
// bytes and stay the same for the life of the key table.
func NewHasher(secret []byte) (*Hasher, error) {
	if len(secret) < 16 {
		return nil, Errorf(CodeInvalid, "key secret must be at least 16 bytes")
	}
	return &Hasher{secret: append([]byte(nil), secret...)}, nil
}

// Digest returns the hex HMAC-SHA256 of key.
func (h *Hasher) Digest(key string) string {
	d := h.digest(key)
	s := string(d.hex[:])
	h.release(d)
	return s
}

// Equal compares a key with a stored digest in constant time.
func (h *Hasher) Equal(key, digest string) bool {
	return hmac.Equal([]byte(h.Digest(key)), []byte(digest))
}

// NewKeySecret returns a new random client key: KeyPrefix followed by 43
// URL-safe characters (256 bits).
func NewKeySecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// KeyDisplayPrefix returns the part of key that is stored for display.
func KeyDisplayPrefix(key string) string {
	if len(key) <= displayLen {
		return key
	}
	return key[:displayLen]
}
