package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/httpapi"
)

var sessionSecret = []byte("session-secret-for-tests-0123456")

// clock is a settable Config.Now.
type clock struct{ t atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.t.Store(t.UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) Advance(d time.Duration) { c.t.Add(int64(d)) }
func sessionConfig(c *clock) httpapi.Config {
	return httpapi.Config{SessionSecret: sessionSecret, Now: c.Now}
}

type loginResponse struct {
	Token     string `json:"token"`
	TokenType string `json:"token_type"`
	ExpiresAt string `json:"expires_at"`
	ExpiresIn int64  `json:"expires_in"`
}

// login logs in with the admin key in the body and returns the session.
func (f *fixture) login(t *testing.T) loginResponse {
	t.Helper()
	resp := f.do(t, "POST", "/admin/login", "", `{"admin_key":"`+adminKey+`"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: status %d", resp.StatusCode)
	}
	var out loginResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLogin(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	f := newFixture(t, sessionConfig(newClock(t0)))

	t.Run("KeyInBody", func(t *testing.T) {
		is := is.New(t)
		resp := f.do(t, "POST", "/admin/login", "", `{"admin_key":"`+adminKey+`"}`)
		is.Equal(resp.StatusCode, http.StatusOK)
		is.Equal(resp.Header.Get("Content-Type"), "application/json")
		is.Equal(resp.Header.Get("Cache-Control"), "no-store")
		var out loginResponse
		is.NoErr(json.NewDecoder(resp.Body).Decode(&out))
		is.Equal(out.TokenType, "Bearer")
		is.Equal(out.ExpiresIn, int64(12*60*60)) // the default TTL
		is.Equal(out.ExpiresAt, "2030-05-06T19:08:09Z")
		is.Equal(strings.Count(out.Token, "."), 2)
		is.True(!strings.Contains(out.Token, adminKey))

		parts := strings.Split(out.Token, ".")
		h, err := base64.RawURLEncoding.DecodeString(parts[0])
		is.NoErr(err)
		is.Equal(string(h), `{"alg":"HS256","typ":"JWT"}`)
		p, err := base64.RawURLEncoding.DecodeString(parts[1])
		is.NoErr(err)
		var claims struct {
			Sub, Iss, Jti string
			Iat, Exp      int64
		}
		is.NoErr(json.Unmarshal(p, &claims))
		is.Equal(claims.Sub, "admin")
		is.Equal(claims.Iss, "tollgate")
		is.Equal(claims.Iat, t0.Unix())
		is.Equal(claims.Exp, t0.Add(12*time.Hour).Unix())
		is.True(len(claims.Jti) >= 16)
		is.True(f.login(t).Token != out.Token) // at the same second, a new jti makes another token
	})

	t.Run("KeyAsBearer", func(t *testing.T) {
		is := is.New(t)
		resp := f.do(t, "POST", "/admin/login", adminKey, "")
		is.Equal(resp.StatusCode, http.StatusOK)
		var out loginResponse
		is.NoErr(json.NewDecoder(resp.Body).Decode(&out))
		is.True(out.Token != "")
	})

	for _, tc := range []struct {
		name, token, body string
		status            int
		code              string
	}{
		{"ErrWrongKeyInBody", "", `{"admin_key":"wrong"}`, 401, "invalid_admin_key"},
		{"ErrWrongKeyAsBearer", "wrong", "", 401, "invalid_admin_key"},
		{"ErrNoKey", "", "", 401, "invalid_admin_key"},
		{"ErrEmptyKey", "", `{"admin_key":""}`, 401, "invalid_admin_key"},
		{"ErrUnknownField", "", `{"admin_key":"` + adminKey + `","ttl":99}`, 400, "invalid"},
		{"ErrBadJSON", "", `{"admin_key":`, 400, "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			resp := f.do(t, "POST", "/admin/login", tc.token, tc.body)
			is.Equal(resp.StatusCode, tc.status)
			e := decodeError(t, resp)
			is.Equal(*e.Error.Code, tc.code)
			is.True(e.Error.Message != "")
		})
	}

	t.Run("ErrSessionCannotRenewItself", func(t *testing.T) {
		is := is.New(t)
		resp := f.do(t, "POST", "/admin/login", f.login(t).Token, "")
		is.Equal(resp.StatusCode, 401)
		is.Equal(*decodeError(t, resp).Error.Code, "invalid_admin_key")
	})

	t.Run("ErrGet", func(t *testing.T) {
		is := is.New(t)
		is.Equal(f.do(t, "GET", "/admin/login", adminKey, "").StatusCode, http.StatusMethodNotAllowed)
	})
}

func TestSessionToken(t *testing.T) {
	t.Parallel()
	c := newClock(time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC))
	cfg := sessionConfig(c)
	cfg.SessionTTL = time.Hour
	f := newFixture(t, cfg)
	s := f.login(t)

	is := is.New(t)
	is.Equal(s.ExpiresIn, int64(3600))
	for _, path := range []string{"/admin/accounts", "/admin/providers", "/admin/keys"} {
		is.Equal(f.do(t, "GET", path, s.Token, "").StatusCode, http.StatusOK)
	}
	is.Equal(f.do(t, "POST", "/admin/accounts", s.Token, `{"name":"by-session"}`).StatusCode, http.StatusCreated)
	is.Equal(f.do(t, "GET", "/admin/accounts", adminKey, "").StatusCode, http.StatusOK) // the key still works

	parts := strings.Split(s.Token, ".")
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	is.NoErr(err)
	sig[0] ^= 0x01
	flipped := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)

	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	raised := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin","iss":"tollgate","exp":4102444800}`))

	other := newFixture(t, httpapi.Config{SessionSecret: []byte("another secret entirely, 32 byte"), Now: c.Now})
	foreign := other.login(t).Token

	refused := func(t *testing.T, token, says string) {
		t.Helper()
		is := is.New(t)
		resp := f.do(t, "GET", "/admin/accounts", token, "")
		is.Equal(resp.StatusCode, http.StatusUnauthorized)
		e := decodeError(t, resp)
		is.Equal(*e.Error.Code, "invalid_admin_key")
		is.Equal(e.Error.Type, "authentication_error")
		if !strings.Contains(e.Error.Message, says) {
			t.Fatalf("message %q does not say %q", e.Error.Message, says)
		}
	}
	t.Run("ErrFlippedSignature", func(t *testing.T) { refused(t, flipped, "invalid") })
	t.Run("ErrAlgNone", func(t *testing.T) { refused(t, none, "invalid") })
	t.Run("ErrTamperedClaims", func(t *testing.T) { refused(t, parts[0]+"."+raised+"."+parts[2], "invalid") })
	t.Run("ErrOtherSecret", func(t *testing.T) { refused(t, foreign, "invalid") })
	t.Run("ErrGarbage", func(t *testing.T) { refused(t, "a.b.c", "invalid") })

	// Sequential after the subtests above: they share the clock.
	c.Advance(time.Hour - time.Second)
	is.Equal(f.do(t, "GET", "/admin/accounts", s.Token, "").StatusCode, http.StatusOK)
	c.Advance(time.Second)
	t.Run("ErrExpired", func(t *testing.T) { refused(t, s.Token, "expired") })
	is.Equal(f.do(t, "GET", "/admin/accounts", f.login(t).Token, "").StatusCode, http.StatusOK) // log in again
}

// Servers that share the session secret and admin key (instances sharing
// PostgreSQL) accept each other's tokens; changing the admin key ends
// every session.
func TestSessionAcrossServers(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	a := newFixture(t, httpapi.Config{SessionSecret: sessionSecret})
	b := newFixture(t, httpapi.Config{SessionSecret: sessionSecret})
	tok := a.login(t).Token
	is.Equal(b.do(t, "GET", "/admin/accounts", tok, "").StatusCode, http.StatusOK)

	rotated := httpapi.New(httpapi.Config{SessionSecret: sessionSecret, AdminKeyDigest: a.admin.KeyDigest("the-new-admin-key")}, nil, a.admin)
	req := httptest.NewRequest("GET", "/admin/accounts", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	rotated.ServeHTTP(rec, req)
	is.Equal(rec.Code, http.StatusUnauthorized)
	is.True(strings.Contains(rec.Body.String(), "invalid_admin_key"))
}

func TestSessionsDisabled(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t, httpapi.Config{}) // no SessionSecret
	resp := f.do(t, "POST", "/admin/login", "", `{"admin_key":"`+adminKey+`"}`)
	is.Equal(resp.StatusCode, http.StatusNotFound)
	e := decodeError(t, resp)
	is.Equal(*e.Error.Code, "sessions_not_enabled")
	is.True(strings.Contains(e.Error.Message, "not enabled"))

	is.Equal(f.do(t, "GET", "/admin/accounts", adminKey, "").StatusCode, http.StatusOK) // the key still works

	other := newFixture(t, httpapi.Config{SessionSecret: sessionSecret})
	resp = f.do(t, "GET", "/admin/accounts", other.login(t).Token, "")
	is.Equal(resp.StatusCode, http.StatusUnauthorized)
	is.Equal(*decodeError(t, resp).Error.Code, "invalid_admin_key")
}

// An admin key shaped like a token (two dots) still works as a key.
func TestDottedAdminKey(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t, httpapi.Config{SessionSecret: sessionSecret})
	const dotted = "my.admin.key"
	api := httpapi.New(httpapi.Config{SessionSecret: sessionSecret, AdminKeyDigest: f.admin.KeyDigest(dotted)}, nil, f.admin)
	for _, tc := range []struct {
		method, path, token, body string
		status                    int
	}{
		{"GET", "/admin/accounts", dotted, "", 200},
		{"POST", "/admin/login", dotted, "", 200},
		{"GET", "/admin/accounts", "my.admin.kez", "", 401},
	} {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer "+tc.token)
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		is.Equal(rec.Code, tc.status)
	}
}
