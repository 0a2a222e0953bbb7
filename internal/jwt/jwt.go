// Package jwt signs and verifies compact JSON Web Tokens (RFC 7519) with
// HMAC-SHA256 (JWS "HS256", RFC 7515) and nothing else: a token whose
// header names any other algorithm, "none" included, is refused before its
// signature is looked at. It carries the registered claims only, and
// uses the standard library alone.
package jwt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Algorithm is the one JWS algorithm Sign writes and Verify accepts.
const Algorithm = "HS256"

// MaxLen bounds the length of a token Verify reads; longer ones are
// malformed.
const MaxLen = 4096

// Claims are the registered claims of a token. Times are NumericDates:
// whole seconds since the Unix epoch; zero leaves a claim out.
type Claims struct {
	Issuer    string `json:"iss,omitempty"`
	Subject   string `json:"sub,omitempty"`
	IssuedAt  int64  `json:"iat,omitempty"`
	NotBefore int64  `json:"nbf,omitempty"`
	ExpiresAt int64  `json:"exp,omitempty"`
	ID        string `json:"jti,omitempty"`
}

// Kind says why Verify refused a token.
type Kind int

const (
	// Malformed: not three base64url parts, a part that is not a JSON
	// object, a claim of the wrong type, or no exp claim.
	Malformed Kind = iota + 1
	// BadSignature: the signature does not match (another secret, or a
	// changed header or claims).
	BadSignature
	// Expired: now is at or after exp.
	Expired
	// NotYetValid: now is before nbf, or before iat by more than
	// ClockSkew.
	NotYetValid
	// UnsupportedAlgorithm: the header names an algorithm other than
	// HS256 ("none" among them), or critical extensions.
	UnsupportedAlgorithm
)

func (k Kind) String() string {
	switch k {
	case Malformed:
		return "malformed token"
	case BadSignature:
		return "bad signature"
	case Expired:
		return "token expired"
	case NotYetValid:
		return "token not yet valid"
	case UnsupportedAlgorithm:
		return "unsupported algorithm"
	}
	return "invalid token"
}

// Error is every error Verify returns. errors.Is(err, ErrExpired) (and the
// other sentinels) matches on the Kind alone.
type Error struct {
	Kind   Kind
	Detail string
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return "jwt: " + e.Kind.String()
	}
	return "jwt: " + e.Kind.String() + ": " + e.Detail
}

// Is reports whether target is an *Error of the same Kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

// The sentinels errors.Is matches Verify's errors against.
var (
	ErrMalformed            = &Error{Kind: Malformed}
	ErrBadSignature         = &Error{Kind: BadSignature}
	ErrExpired              = &Error{Kind: Expired}
	ErrNotYetValid          = &Error{Kind: NotYetValid}
	ErrUnsupportedAlgorithm = &Error{Kind: UnsupportedAlgorithm}
)

// ErrNoSecret is Sign's error for an empty secret.
var ErrNoSecret = errors.New("jwt: empty secret")

// ClockSkew is how far in the future iat may be before Verify calls the
// token not yet valid: the clocks of the instances that issue and verify
// tokens are never quite equal.
const ClockSkew = time.Minute

var enc = base64.RawURLEncoding.Strict()

// encodedHeader is base64url({"alg":"HS256","typ":"JWT"}), the header of
// every token Sign makes.
var encodedHeader = enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// Sign returns the compact token for claims, signed with HS256 under
// secret.
func Sign(claims Claims, secret []byte) (string, error) {
	if len(secret) == 0 {
		return "", ErrNoSecret
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signingInput := encodedHeader + "." + enc.EncodeToString(payload)
	return signingInput + "." + enc.EncodeToString(mac(signingInput, secret)), nil
}

// Verify checks token's header, signature and validity period at now, in
// that order, and returns its claims. Every error is an *Error. A token
// without exp is malformed: Verify accepts no token forever. It does not
// look at iss, sub or jti; the caller checks those it relies on.
func Verify(token string, secret []byte, now time.Time) (*Claims, error) {
	if len(token) > MaxLen {
		return nil, &Error{Kind: Malformed, Detail: "too long"}
	}
	h, rest, ok := strings.Cut(token, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || strings.Contains(s, ".") {
		return nil, &Error{Kind: Malformed, Detail: "want three dot-separated parts"}
	}

	var header struct {
		Alg  *string `json:"alg"`
		Typ  *string `json:"typ"`
		Crit []any   `json:"crit"`
	}
	if err := decodePart(h, &header); err != nil {
		return nil, &Error{Kind: Malformed, Detail: "header: " + err.Error()}
	}
	switch {
	case header.Alg == nil:
		return nil, &Error{Kind: Malformed, Detail: "header has no alg"}
	case *header.Alg != Algorithm:
		return nil, &Error{Kind: UnsupportedAlgorithm, Detail: "alg " + quote(*header.Alg) + "; only " + Algorithm + " is accepted"}
	case header.Crit != nil:
		return nil, &Error{Kind: UnsupportedAlgorithm, Detail: "critical header extensions are not supported"}
	case header.Typ != nil && !strings.EqualFold(*header.Typ, "JWT"):
		return nil, &Error{Kind: Malformed, Detail: "typ " + quote(*header.Typ) + " is not JWT"}
	}

	sig, err := enc.DecodeString(s)
	if err != nil {
		return nil, &Error{Kind: Malformed, Detail: "signature is not base64url"}
	}
	if len(secret) == 0 || !hmac.Equal(sig, mac(token[:len(h)+1+len(p)], secret)) {
		return nil, &Error{Kind: BadSignature}
	}

	var c Claims
	if err := decodePart(p, &c); err != nil {
		return nil, &Error{Kind: Malformed, Detail: "claims: " + err.Error()}
	}
	if c.ExpiresAt == 0 {
		return nil, &Error{Kind: Malformed, Detail: "claims have no exp"}
	}
	t := now.Unix()
	switch {
	case t >= c.ExpiresAt:
		return nil, &Error{Kind: Expired, Detail: "expired at " + time.Unix(c.ExpiresAt, 0).UTC().Format(time.RFC3339)}
	case c.NotBefore != 0 && t < c.NotBefore:
		return nil, &Error{Kind: NotYetValid, Detail: "not before " + time.Unix(c.NotBefore, 0).UTC().Format(time.RFC3339)}
	case c.IssuedAt != 0 && t+int64(ClockSkew/time.Second) < c.IssuedAt:
		return nil, &Error{Kind: NotYetValid, Detail: "issued in the future, at " + time.Unix(c.IssuedAt, 0).UTC().Format(time.RFC3339)}
	}
	return &c, nil
}

// LooksLikeToken reports whether s has the shape of a compact JWS: a
// header and claims, then a signature (empty in an unsecured "none"
// token), separated by two dots. It is a cheap test to tell a token from
// an API key, not a check of the token.
func LooksLikeToken(s string) bool {
	i := strings.IndexByte(s, '.')
	j := strings.LastIndexByte(s, '.')
	return i > 0 && j > i+1 && strings.Count(s, ".") == 2
}

func mac(signingInput string, secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signingInput))
	return m.Sum(nil)
}

// decodePart decodes one base64url part holding a JSON object into v.
func decodePart(part string, v any) error {
	b, err := enc.DecodeString(part)
	if err != nil {
		return errors.New("not base64url")
	}
	if len(b) == 0 || b[0] != '{' {
		return errors.New("not a JSON object")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errors.New("not a valid JSON object")
	}
	return nil
}

func quote(s string) string {
	if len(s) > 32 {
		s = s[:32] + "..."
	}
	b, _ := json.Marshal(s)
	return string(b)
}
