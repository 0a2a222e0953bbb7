package httpapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/jwt"
)

// Admin sessions. POST /admin/login trades the admin key for a signed
// token (a JWT, HS256) that every /admin route accepts in its place until
// it expires. The token is stateless: any Server configured with the same
// SessionSecret and admin key verifies it, and nothing is stored.

const (
	sessionSubject = "admin"
	sessionIssuer  = "tollgate"
	// DefaultSessionTTL is how long an admin session lasts when
	// Config.SessionTTL is zero.
	DefaultSessionTTL = 12 * time.Hour
)

// loginRequest is the body of POST /admin/login; the key may come as the
// Bearer token instead.
type loginRequest struct {
	AdminKey string `json:"admin_key"`
}

// loginResponse is the answer of POST /admin/login.
type loginResponse struct {
	Token     string    `json:"token"`
	TokenType string    `json:"token_type"`
	ExpiresAt time.Time `json:"expires_at"`
	ExpiresIn int64     `json:"expires_in"`
}

// login answers POST /admin/login: the admin key, in the body as
// {"admin_key":"..."} or as the Bearer token, buys a session token. It is
// not behind adminOnly. With no SessionSecret it answers 404
// sessions_not_enabled; a wrong key is 401 invalid_admin_key.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if len(s.cfg.SessionSecret) == 0 {
		s.writeError(w, r, &gateway.Error{Code: gateway.CodeNotFound, Type: "sessions_not_enabled",
			Message: "admin sessions are not enabled on this server (no session secret is configured); send the admin key as Authorization: Bearer <admin key> on each request"})
		return
	}
	var req loginRequest
	if err := decodeOptional(r, &req, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	key := req.AdminKey
	if key == "" {
		key = bearer(r)
	}
	if key == "" {
		s.writeError(w, r, &gateway.Error{Code: gateway.CodeUnauthenticated, Type: "invalid_admin_key",
			Message: `no admin key: send {"admin_key":"..."} or Authorization: Bearer <admin key>`})
		return
	}
	if !s.isAdminKey(key) {
		s.writeError(w, r, &gateway.Error{Code: gateway.CodeUnauthenticated, Type: "invalid_admin_key", Message: "a valid admin key is required"})
		return
	}

	now := s.now()
	ttl := s.sessionTTL()
	claims := jwt.Claims{
		Issuer:    sessionIssuer,
		Subject:   sessionSubject,
		IssuedAt:  now.Unix(),
		ExpiresAt: now.Unix() + int64(ttl/time.Second),
		ID:        rand.Text(),
	}
	token, err := jwt.Sign(claims, s.sessionKey())
	if err != nil {
		s.writeError(w, r, gateway.Internal(err))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, loginResponse{
		Token:     token,
		TokenType: "Bearer",
		ExpiresAt: time.Unix(claims.ExpiresAt, 0).UTC(),
		ExpiresIn: claims.ExpiresAt - claims.IssuedAt,
	})
}

// authorizeAdmin checks the credential of an /admin request: the admin key
// or a session token. A credential shaped like a JWT (two dots) is
// verified as a token first; one that fails is still compared as a key
// (an operator's key may hold two dots), and when that fails too the error
// says the session is expired or invalid. With the admin API off
// (no AdminKeyDigest) nothing is accepted, tokens included.
func (s *Server) authorizeAdmin(cred string) error {
	if s.cfg.AdminKeyDigest == "" || cred == "" {
		return &gateway.Error{Code: gateway.CodeUnauthenticated, Type: "invalid_admin_key", Message: "a valid admin key is required"}
	}
	var tokenErr error
	if len(s.cfg.SessionSecret) > 0 && jwt.LooksLikeToken(cred) {
		if tokenErr = s.verifySession(cred); tokenErr == nil {
			return nil
		}
	}
	if s.isAdminKey(cred) {
		return nil
	}
	if tokenErr != nil {
		msg := "the admin session token is invalid; log in again at POST /admin/login"
		switch {
		case errors.Is(tokenErr, jwt.ErrExpired):
			msg = "the admin session has expired; log in again at POST /admin/login"
		case errors.Is(tokenErr, jwt.ErrNotYetValid):
			msg = "the admin session token is not valid yet (are the servers' clocks apart?)"
		}
		return &gateway.Error{Code: gateway.CodeUnauthenticated, Type: "invalid_admin_key", Message: msg, Err: tokenErr}
	}
	return &gateway.Error{Code: gateway.CodeUnauthenticated, Type: "invalid_admin_key", Message: "a valid admin key is required"}
}

var errNotAdminSession = errors.New("httpapi: the token is not an admin session")

// verifySession checks a session token: its signature, its validity at
// now, and that it is an admin session of this gateway.
func (s *Server) verifySession(token string) error {
	c, err := jwt.Verify(token, s.sessionKey(), s.now())
	if err != nil {
		return err
	}
	if c.Subject != sessionSubject || c.Issuer != sessionIssuer {
		return errNotAdminSession
	}
	return nil
}

// isAdminKey compares key's digest with the admin key's in constant time.
func (s *Server) isAdminKey(key string) bool {
	return s.cfg.AdminKeyDigest != "" &&
		subtle.ConstantTimeCompare([]byte(s.admin.KeyDigest(key)), []byte(s.cfg.AdminKeyDigest)) == 1
}

// sessionKey is the HMAC key of session tokens: SessionSecret bound to the
// admin key's digest, so that changing the admin key ends every session
// made with the old one.
func (s *Server) sessionKey() []byte {
	m := hmac.New(sha256.New, s.cfg.SessionSecret)
	m.Write([]byte("tollgate admin session key\x00"))
	m.Write([]byte(s.cfg.AdminKeyDigest))
	return m.Sum(nil)
}

func (s *Server) sessionTTL() time.Duration {
	if s.cfg.SessionTTL >= time.Second {
		return s.cfg.SessionTTL
	}
	if s.cfg.SessionTTL > 0 {
		return time.Second // tokens count whole seconds
	}
	return DefaultSessionTTL
}

func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}
