package webui

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// sessionCookie is the name of the session cookie; loginCookie holds the
// nonce of the sign-in form's CSRF token before there is a session.
const (
	sessionCookie = "tollgate_ui"
	loginCookie   = "tollgate_ui_login"
)

// session is who is signed in: the admin, or an account through one of
// its master keys. It travels in the session cookie, signed.
type session struct {
	Admin   bool   `json:"adm,omitempty"`
	Account string `json:"acc,omitempty"`
	KeyID   string `json:"kid,omitempty"` // the master key an account signed in with
	Name    string `json:"name,omitempty"`
	Nonce   string `json:"n"`
	Expires int64  `json:"exp"`
}

// mayOpen reports whether the session may see the account's pages.
func (s *session) mayOpen(accountID string) bool { return s.Admin || s.Account == accountID }

// actor names the session in ledger entries and logs.
func (s *session) actor() string {
	if s.Admin {
		return "admin:webui"
	}
	return gateway.IssuedByAccount(s.Account)
}

var errBadSession = errors.New("webui: invalid session")

// sign returns the value of a cookie holding payload.
func (u *UI) sign(payload []byte) string {
	m := hmac.New(sha256.New, u.key)
	m.Write([]byte("cookie\x00"))
	m.Write(payload)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verify returns the payload of a cookie value sign made with this UI's
// key; any other value is errBadSession.
func (u *UI) verify(value string) ([]byte, error) {
	p64, s64, ok := strings.Cut(value, ".")
	if !ok {
		return nil, errBadSession
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	sig, err2 := base64.RawURLEncoding.DecodeString(s64)
	if err1 != nil || err2 != nil {
		return nil, errBadSession
	}
	m := hmac.New(sha256.New, u.key)
	m.Write([]byte("cookie\x00"))
	m.Write(payload)
	if !hmac.Equal(sig, m.Sum(nil)) {
		return nil, errBadSession
	}
	return payload, nil
}

// token is the CSRF token of a nonce: its HMAC under the session key.
func (u *UI) token(purpose, nonce string) string {
	m := hmac.New(sha256.New, u.key)
	m.Write([]byte("csrf\x00" + purpose + "\x00"))
	m.Write([]byte(nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkToken compares a submitted CSRF token in constant time.
func (u *UI) checkToken(purpose, nonce, got string) bool {
	return nonce != "" && subtle.ConstantTimeCompare([]byte(u.token(purpose, nonce)), []byte(got)) == 1
}

// session returns the request's valid session, or nil.
func (u *UI) session(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	payload, err := u.verify(c.Value)
	if err != nil {
		return nil
	}
	var s session
	if json.Unmarshal(payload, &s) != nil || s.Nonce == "" || u.cfg.Now().Unix() >= s.Expires || u.ended.has(s.Nonce) {
		return nil
	}
	if s.Admin && u.cfg.AdminKeyDigest == "" {
		return nil // admin sign-in was switched off since
	}
	if !s.Admin && !u.accountStillSignedIn(r.Context(), &s) {
		return nil
	}
	return &s
}

// accountStillSignedIn checks that the account is active and the master
// key it signed in with still is, so that revoking the key or disabling
// the account ends its sessions at once.
func (u *UI) accountStillSignedIn(ctx context.Context, s *session) bool {
	if s.Account == "" || s.KeyID == "" {
		return false
	}
	acct, err := u.admin.Account(ctx, s.Account)
	if err != nil || acct.Status != gateway.StatusActive {
		return false
	}
	keys, err := u.admin.Keys(ctx, s.Account)
	if err != nil {
		return false
	}
	now := u.cfg.Now()
	for _, k := range keys {
		if k.ID == s.KeyID {
			return k.Master && k.UsableAt(now, acct)
		}
	}
	return false
}

// endedSessions remembers the nonces of sessions signed out on this
// instance until they would have expired, so that a copy of a signed-out
// cookie is refused here. (Sessions are stateless: another instance
// accepts such a copy until it expires.)
type endedSessions struct {
	mu     sync.Mutex
	nonces map[string]int64 // nonce → expiry, unix seconds
}

func (e *endedSessions) add(nonce string, expires, now int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.nonces == nil {
		e.nonces = map[string]int64{}
	}
	for n, exp := range e.nonces {
		if exp <= now {
			delete(e.nonces, n)
		}
	}
	e.nonces[nonce] = expires
}

func (e *endedSessions) has(nonce string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.nonces[nonce]
	return ok
}

// setCookie writes a cookie scoped to the prefix: HttpOnly,
// SameSite=Strict, Secure over TLS. maxAge < 0 deletes it.
func (u *UI) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: u.cfg.Prefix, MaxAge: maxAge,
		HttpOnly: true, Secure: u.cfg.SecureCookies || overTLS(r), SameSite: http.SameSiteStrictMode,
	})
}

// overTLS reports whether the browser reached us over TLS, directly or
// through a proxy that says so.
func overTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// startSession signs s in: it sets the session cookie and drops the
// sign-in cookie.
func (u *UI) startSession(w http.ResponseWriter, r *http.Request, s session) error {
	s.Nonce = rand.Text()
	s.Expires = u.cfg.Now().Add(u.cfg.SessionTTL).Unix()
	payload, err := json.Marshal(s)
	if err != nil {
		return err
	}
	u.setCookie(w, r, sessionCookie, u.sign(payload), int(u.cfg.SessionTTL/time.Second))
	u.setCookie(w, r, loginCookie, "", -1)
	return nil
}

// signedIn wraps a page that needs a session: without one, GET goes to
// the sign-in page and anything else is 401; a POST must carry the
// session's CSRF token and no foreign Origin, else 403.
func (u *UI) signedIn(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := u.session(r)
		if s == nil {
			if r.Method == http.MethodGet {
				u.setCookie(w, r, sessionCookie, "", -1)
				u.redirect(w, r, "/login?next="+urlEscape(u.cfg.Prefix+r.URL.RequestURI()))
				return
			}
			u.fail(w, r, nil, http.StatusUnauthorized, "Your session has ended. Sign in again.")
			return
		}
		if r.Method == http.MethodPost {
			if !sameOrigin(r) || !u.checkToken("session", s.Nonce, r.PostFormValue("csrf")) {
				u.fail(w, r, s, http.StatusForbidden, "The form is stale or did not come from this dashboard (CSRF check failed). Reload the page and try again.")
				return
			}
		}
		h(w, r, s)
	}
}

// adminOnly wraps a page only the admin may open: accounts get 403.
func (u *UI) adminOnly(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return u.signedIn(func(w http.ResponseWriter, r *http.Request, s *session) {
		if !s.Admin {
			u.fail(w, r, s, http.StatusForbidden, "This page is for the gateway's admin.")
			return
		}
		h(w, r, s)
	})
}

// sameOrigin refuses a POST whose Origin header names another host than
// the request's (or, behind a proxy, the X-Forwarded-Host it names, which
// a cross-site form cannot set). A request without Origin (older
// browsers, tests) passes on the CSRF token alone.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	_, host, ok := strings.Cut(o, "://")
	if !ok {
		return false
	}
	fwd, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Host"), ",")
	return strings.EqualFold(host, r.Host) || (fwd != "" && strings.EqualFold(host, strings.TrimSpace(fwd)))
}

// clientIP is the request's remote address without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
