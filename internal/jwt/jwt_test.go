package jwt_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/internal/jwt"
)

var (
	secret = []byte("0123456789abcdef0123456789abcdef")
	t0     = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
)

func claims() jwt.Claims {
	return jwt.Claims{Issuer: "tollgate", Subject: "admin", IssuedAt: t0.Unix(), ExpiresAt: t0.Add(time.Hour).Unix(), ID: "j1"}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// forge builds a token from raw header and claims JSON, signed with HS256
// under key (no signature part when key is nil).
func forge(header, payload string, key []byte) string {
	in := b64(header) + "." + b64(payload)
	if key == nil {
		return in + "."
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestSignVerify(t *testing.T) {
	is := is.New(t)
	tok, err := jwt.Sign(claims(), secret)
	is.NoErr(err)
	is.Equal(strings.Count(tok, "."), 2)
	is.True(jwt.LooksLikeToken(tok))

	parts := strings.Split(tok, ".")
	h, err := base64.RawURLEncoding.DecodeString(parts[0])
	is.NoErr(err)
	is.Equal(string(h), `{"alg":"HS256","typ":"JWT"}`)
	p, err := base64.RawURLEncoding.DecodeString(parts[1])
	is.NoErr(err)
	var raw map[string]any
	is.NoErr(json.Unmarshal(p, &raw))
	is.Equal(raw["sub"], "admin")
	is.Equal(raw["iss"], "tollgate")
	is.Equal(raw["jti"], "j1")
	is.Equal(raw["exp"], float64(t0.Add(time.Hour).Unix()))
	is.Equal(tok, forge(`{"alg":"HS256","typ":"JWT"}`, string(p), secret)) // the signature is HMAC-SHA256 of header.claims

	c, err := jwt.Verify(tok, secret, t0.Add(59*time.Minute))
	is.NoErr(err)
	is.Equal(*c, claims())

	_, err = jwt.Sign(claims(), nil)
	is.True(errors.Is(err, jwt.ErrNoSecret))
}

func TestVerifyRefuses(t *testing.T) {
	good, err := jwt.Sign(claims(), secret)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	payload := `{"iss":"tollgate","sub":"admin","iat":` + itoa(t0.Unix()) + `,"exp":` + itoa(t0.Add(time.Hour).Unix()) + `,"jti":"j1"}`

	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	sig[7] ^= 0x01
	flipSig := base64.RawURLEncoding.EncodeToString(sig)
	tampered := strings.Replace(payload, `"sub":"admin"`, `"sub":"root"`, 1)

	for _, tc := range []struct {
		name  string
		token string
		key   []byte
		now   time.Time
		want  *jwt.Error
	}{
		{"AlgNone", forge(`{"alg":"none","typ":"JWT"}`, payload, nil), secret, t0, jwt.ErrUnsupportedAlgorithm},
		{"AlgNoneSigned", forge(`{"alg":"none","typ":"JWT"}`, payload, secret), secret, t0, jwt.ErrUnsupportedAlgorithm},
		{"AlgNoneUpper", forge(`{"alg":"NONE"}`, payload, nil), secret, t0, jwt.ErrUnsupportedAlgorithm},
		{"AlgHS512", forge(`{"alg":"HS512","typ":"JWT"}`, payload, secret), secret, t0, jwt.ErrUnsupportedAlgorithm},
		{"AlgRS256", forge(`{"alg":"RS256","typ":"JWT"}`, payload, secret), secret, t0, jwt.ErrUnsupportedAlgorithm},
		{"AlgLowercase", forge(`{"alg":"hs256","typ":"JWT"}`, payload, secret), secret, t0, jwt.ErrUnsupportedAlgorithm},
		{"Crit", forge(`{"alg":"HS256","crit":["exp"],"exp":1}`, payload, secret), secret, t0, jwt.ErrUnsupportedAlgorithm},
		{"NoAlg", forge(`{"typ":"JWT"}`, payload, secret), secret, t0, jwt.ErrMalformed},
		{"OtherSecret", good, []byte("another secret, 32 bytes long..."), t0, jwt.ErrBadSignature},
		{"EmptySecret", good, nil, t0, jwt.ErrBadSignature},
		{"FlippedSignature", parts[0] + "." + parts[1] + "." + flipSig, secret, t0, jwt.ErrBadSignature},
		{"TruncatedSignature", parts[0] + "." + parts[1] + "." + parts[2][:20], secret, t0, jwt.ErrBadSignature},
		{"NoSignature", parts[0] + "." + parts[1] + ".", secret, t0, jwt.ErrBadSignature},
		{"TamperedClaims", parts[0] + "." + b64(tampered) + "." + parts[2], secret, t0, jwt.ErrBadSignature},
		{"TamperedHeader", b64(`{"alg":"HS256","typ":"JWT","kid":"x"}`) + "." + parts[1] + "." + parts[2], secret, t0, jwt.ErrBadSignature},
		{"Expired", good, secret, t0.Add(time.Hour), jwt.ErrExpired},
		{"ExpiredLongAgo", good, secret, t0.Add(1000 * time.Hour), jwt.ErrExpired},
		{"NotBefore", forge(`{"alg":"HS256"}`, `{"nbf":`+itoa(t0.Add(time.Minute).Unix())+`,"exp":`+itoa(t0.Add(time.Hour).Unix())+`}`, secret), secret, t0, jwt.ErrNotYetValid},
		{"IssuedInFuture", good, secret, t0.Add(-2 * jwt.ClockSkew), jwt.ErrNotYetValid},
		{"NoExp", forge(`{"alg":"HS256","typ":"JWT"}`, `{"sub":"admin"}`, secret), secret, t0, jwt.ErrMalformed},
		{"ExpNotNumber", forge(`{"alg":"HS256","typ":"JWT"}`, `{"exp":"soon"}`, secret), secret, t0, jwt.ErrMalformed},
		{"ClaimsNotObject", forge(`{"alg":"HS256","typ":"JWT"}`, `[1,2]`, secret), secret, t0, jwt.ErrMalformed},
		{"ClaimsNotJSON", forge(`{"alg":"HS256","typ":"JWT"}`, `{"exp":`, secret), secret, t0, jwt.ErrMalformed},
		{"HeaderNotJSON", forge(`{"alg":`, payload, secret), secret, t0, jwt.ErrMalformed},
		{"WrongTyp", forge(`{"alg":"HS256","typ":"at+jwt"}`, payload, secret), secret, t0, jwt.ErrMalformed},
		{"TwoParts", parts[0] + "." + parts[1], secret, t0, jwt.ErrMalformed},
		{"FourParts", good + ".x", secret, t0, jwt.ErrMalformed},
		{"NotBase64", "!!." + parts[1] + "." + parts[2], secret, t0, jwt.ErrMalformed},
		{"PaddedSignature", good + "=", secret, t0, jwt.ErrMalformed},
		{"Empty", "", secret, t0, jwt.ErrMalformed},
		{"TooLong", parts[0] + "." + strings.Repeat("A", jwt.MaxLen) + "." + parts[2], secret, t0, jwt.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			c, err := jwt.Verify(tc.token, tc.key, tc.now)
			is.True(c == nil)
			var e *jwt.Error
			is.True(errors.As(err, &e))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want kind %v", err, tc.want.Kind)
			}
			is.True(strings.HasPrefix(err.Error(), "jwt: "))
		})
	}
}

// Verify looks at the algorithm before the signature: a token that says
// "none" is refused as such, whatever its signature.
func TestAlgorithmCheckedFirst(t *testing.T) {
	is := is.New(t)
	tok := forge(`{"alg":"none"}`, `{"sub":"admin","exp":`+itoa(t0.Add(time.Hour).Unix())+`}`, nil)
	_, err := jwt.Verify(tok, secret, t0)
	is.True(errors.Is(err, jwt.ErrUnsupportedAlgorithm))
	is.True(!errors.Is(err, jwt.ErrBadSignature))
	is.True(strings.Contains(err.Error(), `"none"`))
}

func TestLooksLikeToken(t *testing.T) {
	is := is.New(t)
	for s, want := range map[string]bool{
		"a.b.c":          true,
		"tg-admin-xyz":   false,
		"a.b":            false,
		"a.b.c.d":        false,
		".b.c":           false,
		"a..c":           false,
		"a.b.":           true, // an unsecured token
		"":               false,
		"admin.key.here": true, // only a shape test: the caller falls back
	} {
		is.Equal(jwt.LooksLikeToken(s), want)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
