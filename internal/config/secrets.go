package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// LoadKeySecret returns the secret that keys client-key digests: the
// configured one, else the one kept in DataDir, else a new one written
// there (mode 0600) for the next start.
func (c *Config) LoadKeySecret() ([]byte, error) {
	if c.KeySecret != "" {
		return []byte(c.KeySecret), nil
	}
	path := filepath.Join(c.DataDir, "key_secret")
	b, err := os.ReadFile(path)
	if err == nil {
		s, derr := hex.DecodeString(strings.TrimSpace(string(b)))
		if derr != nil || len(s) < 16 {
			return nil, fmt.Errorf("config: %s is damaged: it should hold 32 hex-encoded bytes", path)
		}
		return s, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("config: %w", err)
	}
	s := make([]byte, 32)
	_, _ = rand.Read(s)
	if err := writePrivate(path, hex.EncodeToString(s)); err != nil {
		return nil, err
	}
	return s, nil
}

// LoadEncryptionKey returns the text of the key that seals upstream
// secrets: the configured one, else (for the embedded database only) the
// one kept in DataDir, else a new one written there (mode 0600). Kept
// apart from the database file, it keeps secrets out of a copied or
// backed-up database.
func (c *Config) LoadEncryptionKey() (string, error) {
	if c.EncryptionKey != "" || c.PGDSN != "" {
		return c.EncryptionKey, nil
	}
	path := filepath.Join(c.DataDir, "encryption_key")
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("config: %w", err)
	}
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	key := hex.EncodeToString(k)
	if err := writePrivate(path, key); err != nil {
		return "", err
	}
	return key, nil
}

// ManagesEncryptionKey reports whether the encryption key is the one
// LoadEncryptionKey keeps in DataDir rather than one configured.
func (c *Config) ManagesEncryptionKey() bool { return c.EncryptionKey == "" && c.PGDSN == "" }

// SaveEncryptionKey replaces the key kept in DataDir, after the secrets
// were sealed under it.
func (c *Config) SaveEncryptionKey(key string) error {
	return writePrivate(filepath.Join(c.DataDir, "encryption_key"), key)
}

// AdminKeyDigest returns the digest of the admin key, computed by digest.
// With AdminKey set it is that key's. Otherwise the digest kept in DataDir
// is used; at first start a new admin key is made, its digest kept, and
// the key itself returned as created so the host can print it once.
func (c *Config) AdminKeyDigest(digest func(string) string, newKey func() string) (d, created string, err error) {
	if c.AdminKey != "" {
		return digest(c.AdminKey), "", nil
	}
	path := c.AdminKeyDigestPath()
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), "", nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("config: %w", err)
	}
	key := newKey()
	d = digest(key)
	if err := writePrivate(path, d); err != nil {
		return "", "", err
	}
	return d, key, nil
}

// AdminKeyDigestPath is the file in DataDir that keeps the admin key's
// digest when AdminKey is not set.
func (c *Config) AdminKeyDigestPath() string { return filepath.Join(c.DataDir, "admin_key.digest") }

// HasAdminKeyDigest reports whether DataDir keeps an admin key's digest.
func (c *Config) HasAdminKeyDigest() bool {
	_, err := os.Stat(c.AdminKeyDigestPath())
	return err == nil
}

// ReplaceAdminKey makes a new admin key with newKey and keeps its digest
// in DataDir in place of the one there (written to a temporary file and
// renamed, so a crash leaves the old digest or the new one). It returns
// the key, to be shown once. Servers read the digest at start, so running
// ones keep accepting the old key until they restart; with AdminKey set,
// that key is the admin key and the digest kept here is not used.
func (c *Config) ReplaceAdminKey(digest func(string) string, newKey func() string) (string, error) {
	key := newKey()
	path := c.AdminKeyDigestPath()
	if err := writePrivate(path+".new", digest(key)); err != nil {
		return "", err
	}
	if err := os.Rename(path+".new", path); err != nil {
		return "", fmt.Errorf("config: %w", err)
	}
	return key, nil
}

func writePrivate(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := os.WriteFile(path, []byte(content+"\n"), 0o600); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}
