package sqlstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/tollgate-ai/tollgate/gateway"
)

// A stored secret says how it is kept: "v1:" + base64(nonce ||
// AES-256-GCM ciphertext) sealed with the credential's ID as additional
// data, or "plain:" + the secret when the Store has no key.
const (
	sealedPrefix = "v1:"
	plainPrefix  = "plain:"
)

// keyLen is the length of an AES-256 key.
const keyLen = 32

// sealer seals and opens credential secrets under one key. A nil
// *sealer keeps them in plaintext.
type sealer struct {
	aead cipher.AEAD
}

// newSealer returns a sealer for key, or nil for an empty key.
func newSealer(key []byte) (*sealer, error) {
	if len(key) == 0 {
		return nil, nil
	}
	if len(key) != keyLen {
		return nil, fmt.Errorf("sqlstore: the encryption key is %d bytes; AES-256 needs %d", len(key), keyLen)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encryption key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encryption key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal returns secret as it is stored for the credential id.
func (k *sealer) seal(id string, secret gateway.Secret) string {
	if k == nil {
		return plainPrefix + secret.Reveal()
	}
	size := k.aead.NonceSize()
	nonce := make([]byte, size, size+len(secret)+k.aead.Overhead())
	_, _ = rand.Read(nonce) // never fails (crypto/rand, Go 1.24+)
	sealed := k.aead.Seal(nonce, nonce, []byte(secret.Reveal()), []byte(id))
	return sealedPrefix + base64.StdEncoding.EncodeToString(sealed)
}

// open returns the secret stored for the credential id. It reads
// plaintext whatever the key, so that a key can be added to a database
// that had none; Reencrypt then seals what is left. Its errors are
// CodeInternal and never quote the stored value.
func (k *sealer) open(id, stored string) (gateway.Secret, error) {
	if v, ok := strings.CutPrefix(stored, plainPrefix); ok {
		return gateway.Secret(v), nil
	}
	v, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return "", cryptError(id, "its stored secret has an unknown format")
	}
	if k == nil {
		return "", cryptError(id, "its secret is encrypted and the Store has no encryption key")
	}
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(raw) < k.aead.NonceSize() {
		return "", cryptError(id, "its stored secret is corrupt")
	}
	size := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, raw[:size], raw[size:], []byte(id))
	if err != nil {
		return "", cryptError(id, "the encryption key does not match the one its secret was sealed with "+
			"(or the sealed secret was copied from another credential)")
	}
	return gateway.Secret(plain), nil
}

func cryptError(id, why string) error {
	return gateway.Internal(fmt.Errorf("sqlstore: credential %q: cannot decrypt: %s", id, why))
}

// ParseEncryptionKey decodes an encryption key written as 64 hex
// characters or as the base64 (standard or URL alphabet, padded or not)
// of 32 bytes; surrounding spaces are ignored. Its error says what was
// wrong without repeating the key.
func ParseEncryptionKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*keyLen {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		if key, err := enc.DecodeString(s); err == nil && len(key) == keyLen {
			return key, nil
		}
	}
	return nil, fmt.Errorf("sqlstore: the encryption key must be 64 hex characters or the base64 of %d bytes "+
		"(it has %d characters); generate one with: openssl rand -hex 32", keyLen, len(s))
}

// secretRow is the part of a credentials row that Reencrypt rewrites.
type secretRow struct {
	bun.BaseModel `bun:"table:credentials"`

	ID     string `bun:"id,pk"`
	Secret string `bun:"secret"`
	OAuth  string `bun:"oauth"`
}

// Reencrypt seals every credential secret under newKey, a 32-byte
// AES-256 key, reading each from plaintext or from the Store's current
// key, all in one transaction; then the Store uses newKey. If anything
// fails, nothing changes and the Store keeps its key. progress, if not
// nil, is called with (0, total) first and after each credential, so
// its last call has done == total.
//
// Credential calls on this Store wait while Reencrypt runs. Other
// Stores on the same database keep their key: restart them with newKey
// once Reencrypt returns.
func (s *Store) Reencrypt(ctx context.Context, newKey []byte, progress func(done, total int)) error {
	next, err := newSealer(newKey)
	if err != nil {
		return err
	}
	if next == nil {
		return errors.New("sqlstore: Reencrypt needs a new key")
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	var total int
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var rows []secretRow
		q := tx.NewSelect().Model(&rows).Order("id")
		if s.pg {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return internal("reencrypt: read credentials", err)
		}
		total = len(rows)
		progress(0, total)
		for i, r := range rows {
			secret, err := s.key.open(r.ID, r.Secret)
			if err != nil {
				return err
			}
			r.Secret = next.seal(r.ID, secret)
			if r.OAuth != "" {
				o, err := s.key.open(oauthAAD(r.ID), r.OAuth)
				if err != nil {
					return err
				}
				r.OAuth = next.seal(oauthAAD(r.ID), o)
			}
			if _, err := tx.NewUpdate().Model(&r).Column("secret", "oauth").WherePK().Exec(ctx); err != nil {
				return internal("reencrypt: write credential", err)
			}
			progress(i+1, total)
		}
		return nil
	})
	if err != nil {
		if !errors.As(err, new(*gateway.Error)) {
			err = internal("reencrypt", err) // BEGIN or COMMIT failed
		}
		return err
	}
	s.key = next
	s.log.Info("sqlstore: re-encrypted credential secrets under the new key", "credentials", total)
	return nil
}
