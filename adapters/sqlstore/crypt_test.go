package sqlstore_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/sqlstore"
	"github.com/tollgate-ai/tollgate/gateway"
)

// testKey returns a 32-byte key made of the byte n.
func testKey(n byte) []byte { return bytes.Repeat([]byte{n}, 32) }

// rawSecret reads the secret column of credential id as stored.
func rawSecret(t *testing.T, s *sqlstore.Store, id string) string {
	t.Helper()
	return rawColumn(t, s, id, "secret")
}

// rawColumn reads a column of credential id as stored.
func rawColumn(t *testing.T, s *sqlstore.Store, id, column string) string {
	t.Helper()
	var raw string
	err := s.DB().NewSelect().Table("credentials").Column(column).Where("id = ?", id).Scan(t.Context(), &raw)
	if err != nil {
		t.Fatalf("read the secret of %s: %v", id, err)
	}
	return raw
}

// someCredentials creates a provider with credentials crd_a, crd_b and
// crd_c, whose secrets are "sk-secret-" + their ID; crd_c is an OAuth
// credential whose refresh token is "rt-secret-crd_c".
func someCredentials(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	ctx := t.Context()
	if err := s.CreateProvider(ctx, &gateway.Provider{ID: "prv_1", Name: "one", Type: "openai", Status: gateway.StatusActive}); err != nil {
		t.Fatalf("CreateProvider: %v", err)
	}
	var cs []*gateway.Credential
	for _, id := range []string{"crd_a", "crd_b", "crd_c"} {
		cs = append(cs, &gateway.Credential{ID: id, ProviderID: "prv_1", Secret: gateway.Secret("sk-secret-" + id), Weight: 1, Status: gateway.StatusActive})
	}
	cs[2].OAuth = &gateway.OAuth{TokenURL: "https://auth.example.com/token", ClientSecret: "cs-secret", RefreshToken: "rt-secret-crd_c"}
	if err := s.CreateCredentials(ctx, cs); err != nil {
		t.Fatalf("CreateCredentials: %v", err)
	}
}

// secrets returns the revealed secrets of every credential, by ID.
func secrets(t *testing.T, s *sqlstore.Store) map[string]string {
	t.Helper()
	cs, err := s.ListCredentials(t.Context(), gateway.CredentialFilter{})
	if err != nil {
		t.Fatalf("ListCredentials: %v", err)
	}
	out := make(map[string]string)
	for _, c := range cs {
		out[c.ID] = c.Secret.Reveal()
		if c.OAuth != nil {
			out[c.ID+"#refresh"] = c.OAuth.RefreshToken.Reveal()
		}
	}
	return out
}

var wantSecrets = map[string]string{"crd_a": "sk-secret-crd_a", "crd_b": "sk-secret-crd_b", "crd_c": "sk-secret-crd_c",
	"crd_c#refresh": "rt-secret-crd_c"}

func TestEncryption(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn string) {
		t.Run("SealedAtRest", func(t *testing.T) {
			is := is.New(t)
			s := openMigrated(t, dsn, testKey(1))
			someCredentials(t, s)
			raw := rawSecret(t, s, "crd_a")
			is.True(strings.HasPrefix(raw, "v1:"))       // sealed, and says how
			is.True(!strings.Contains(raw, "sk-secret")) // the secret is not in the column
			is.True(raw != rawSecret(t, s, "crd_b"))     // each has its own nonce
			oauth := rawColumn(t, s, "crd_c", "oauth")
			is.True(strings.HasPrefix(oauth, "v1:"))                                          // OAuth details are sealed too
			is.True(!strings.Contains(oauth, "rt-secret") && !strings.Contains(oauth, "cs-")) // refresh token and client secret with them
			is.Equal(rawColumn(t, s, "crd_a", "oauth"), "")                                   // a plain key has none
			is.Equal(secrets(t, s), wantSecrets)                                              // and reads back
			_, err := s.UpdateCredential(t.Context(), "crd_a", func(c *gateway.Credential) error {
				c.Secret = "sk-rotated"
				return nil
			})
			is.NoErr(err)
			is.True(!strings.Contains(rawSecret(t, s, "crd_a"), "sk-rotated")) // updates are sealed too
			is.NoErr(s.DeleteProvider(t.Context(), "prv_1"))                   // clean up for the next subtest
		})
		t.Run("ErrWrongKey", func(t *testing.T) {
			is := is.New(t)
			someCredentials(t, openMigrated(t, dsn, testKey(1)))
			_, err := open(t, dsn, testKey(2)).ListCredentials(t.Context(), gateway.CredentialFilter{})
			is.Equal(gateway.ErrorCode(err), gateway.CodeInternal)
			is.True(strings.Contains(err.Error(), "encryption key does not match")) // says why
			is.True(!strings.Contains(err.Error(), "sk-secret"))                    // and no secret
			_, err = open(t, dsn, nil).ListCredentials(t.Context(), gateway.CredentialFilter{})
			is.True(strings.Contains(err.Error(), "no encryption key")) // a Store without a key cannot read them either
			is.NoErr(open(t, dsn, testKey(1)).DeleteProvider(t.Context(), "prv_1"))
		})
		t.Run("ErrMovedCiphertext", func(t *testing.T) {
			is := is.New(t)
			s := openMigrated(t, dsn, testKey(1))
			someCredentials(t, s)
			_, err := s.DB().ExecContext(t.Context(),
				"UPDATE credentials SET secret = (SELECT secret FROM credentials WHERE id = 'crd_a') WHERE id = 'crd_b'")
			is.NoErr(err)
			_, err = s.ListCredentials(t.Context(), gateway.CredentialFilter{})
			is.Equal(gateway.ErrorCode(err), gateway.CodeInternal) // the ID is authenticated: crd_a's secret does not open as crd_b's
			is.True(strings.Contains(err.Error(), "crd_b"))
			is.NoErr(s.DeleteProvider(t.Context(), "prv_1"))
		})
		t.Run("Reencrypt", func(t *testing.T) {
			is := is.New(t)
			s := openMigrated(t, dsn, nil)
			someCredentials(t, s)
			is.Equal(rawSecret(t, s, "crd_a"), "plain:sk-secret-crd_a") // plaintext, marked as such

			var calls [][2]int
			progress := func(done, total int) { calls = append(calls, [2]int{done, total}) }
			is.NoErr(s.Reencrypt(t.Context(), testKey(1), progress)) // plaintext to key 1
			is.Equal(calls, [][2]int{{0, 3}, {1, 3}, {2, 3}, {3, 3}})
			sealed1 := rawSecret(t, s, "crd_a")
			is.True(strings.HasPrefix(sealed1, "v1:"))
			is.Equal(secrets(t, s), wantSecrets) // the Store uses the new key at once

			calls = nil
			is.NoErr(s.Reencrypt(t.Context(), testKey(2), progress)) // key 1 to key 2
			is.Equal(calls[len(calls)-1], [2]int{3, 3})
			is.True(rawSecret(t, s, "crd_a") != sealed1)
			is.Equal(secrets(t, s), wantSecrets)
			is.Equal(secrets(t, open(t, dsn, testKey(2))), wantSecrets) // another Store with key 2 reads them
			_, err := open(t, dsn, testKey(1)).ListCredentials(t.Context(), gateway.CredentialFilter{})
			is.Equal(gateway.ErrorCode(err), gateway.CodeInternal) // key 1 no longer does

			err = open(t, dsn, testKey(3)).Reencrypt(t.Context(), testKey(4), nil)
			is.True(strings.Contains(err.Error(), "encryption key does not match")) // from the wrong key: nothing changes
			is.Equal(secrets(t, s), wantSecrets)
			is.True(s.Reencrypt(t.Context(), nil, nil) != nil)              // a new key is required
			is.True(s.Reencrypt(t.Context(), make([]byte, 31), nil) != nil) // of 32 bytes
		})
	})
}

func TestReencryptEmpty(t *testing.T) {
	is := is.New(t)
	s := openMigrated(t, sqliteFile(t), nil)
	var last [2]int
	is.NoErr(s.Reencrypt(t.Context(), testKey(1), func(done, total int) { last = [2]int{done, total} }))
	is.Equal(last, [2]int{0, 0}) // called even with nothing to do
}

func TestParseEncryptionKey(t *testing.T) {
	key := testKey(7)
	key[0], key[31] = 0xfb, 0xff // characters that differ between the base64 alphabets
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"Hex", hex.EncodeToString(key), true},
		{"HexUpper", strings.ToUpper(hex.EncodeToString(key)), true},
		{"HexSpaces", " " + hex.EncodeToString(key) + "\n", true},
		{"Base64", base64.StdEncoding.EncodeToString(key), true},
		{"Base64Raw", base64.RawStdEncoding.EncodeToString(key), true},
		{"Base64URL", base64.URLEncoding.EncodeToString(key), true},
		{"Base64RawURL", base64.RawURLEncoding.EncodeToString(key), true},
		{"ErrEmpty", "", false},
		{"ErrShortHex", hex.EncodeToString(key[:16]), false},
		{"ErrShortBase64", base64.StdEncoding.EncodeToString(key[:16]), false},
		{"ErrNotHex", strings.Repeat("zz", 32), false},
		{"ErrPassphrase", "correct horse battery staple", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			got, err := sqlstore.ParseEncryptionKey(tt.in)
			if !tt.ok {
				is.True(err != nil)
				is.True(strings.Contains(err.Error(), "64 hex characters")) // says what is expected
				if tt.in != "" {
					is.True(!strings.Contains(err.Error(), strings.TrimSpace(tt.in))) // never repeats the key
				}
				return
			}
			is.NoErr(err)
			is.Equal(got, key)
		})
	}
}
