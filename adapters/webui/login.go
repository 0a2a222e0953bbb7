package webui

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// loginPage shows the sign-in form. The form's CSRF token is the HMAC of a
// nonce kept in a short-lived cookie, since there is no session yet.
func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	if u.session(r) != nil {
		u.redirect(w, r, "/overview")
		return
	}
	u.renderLogin(w, r, http.StatusOK, "")
}

// renderLogin shows the sign-in form with a fresh nonce, and an error
// beside the key field when msg is set.
func (u *UI) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	nonce := rand.Text()
	u.setCookie(w, r, loginCookie, nonce, 600)
	v := &view{Title: "Sign in", CSRF: u.token("login", nonce), Errors: map[string]string{}}
	if msg != "" {
		v.Errors["key"] = msg
	}
	v.Data = map[string]string{"Next": safeNext(u.cfg.Prefix, r.FormValue("next"))}
	u.render(w, r, status, "login", v)
}

// login signs in with the admin key, or with an account's master key.
func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameOrigin(r) || !u.checkToken("login", c.Value, r.PostFormValue("csrf")) {
		u.fail(w, r, nil, http.StatusForbidden, "The sign-in form expired or did not come from this dashboard (CSRF check failed). Reload the page and try again.")
		return
	}
	if !u.signIns.allow(clientIP(r)) {
		u.renderLogin(w, r, http.StatusTooManyRequests, "Too many attempts from your address. Wait a minute and try again.")
		return
	}
	key := strings.TrimSpace(r.PostFormValue("key"))
	if key == "" {
		u.renderLogin(w, r, http.StatusUnprocessableEntity, "Enter the admin key or your account's master key.")
		return
	}
	next := safeNext(u.cfg.Prefix, r.PostFormValue("next"))
	if u.cfg.AdminKeyDigest != "" &&
		subtle.ConstantTimeCompare([]byte(u.admin.KeyDigest(key)), []byte(u.cfg.AdminKeyDigest)) == 1 {
		if err := u.startSession(w, r, session{Admin: true, Name: "admin"}); err != nil {
			u.fail(w, r, nil, http.StatusInternalServerError, "")
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	caller, err := u.gw.AuthenticateMaster(key, clientIP(r))
	if err != nil {
		u.cfg.Logger.Info("webui: sign-in refused", "ip", clientIP(r), "code", gateway.ErrorCode(err))
		u.renderLogin(w, r, http.StatusUnauthorized, "This key is not the admin key nor an account's active master key.")
		return
	}
	s := session{Account: caller.Account.ID, KeyID: caller.Key.ID, Name: caller.Account.Name}
	if err := u.startSession(w, r, s); err != nil {
		u.fail(w, r, nil, http.StatusInternalServerError, "")
		return
	}
	if next == u.cfg.Prefix+"/overview" {
		next = u.cfg.Prefix + "/accounts/" + url.PathEscape(s.Account)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session: the cookie is expired in the browser, and a
// copy of it is refused by this instance from now on.
func (u *UI) logout(w http.ResponseWriter, r *http.Request, s *session) {
	u.ended.add(s.Nonce, s.Expires, u.cfg.Now().Unix())
	u.setCookie(w, r, sessionCookie, "", -1)
	u.redirect(w, r, "/login")
}

// safeNext keeps a post-sign-in destination only when it is a dashboard
// path, so the sign-in form cannot redirect elsewhere.
func safeNext(prefix, next string) string {
	if strings.HasPrefix(next, prefix+"/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") &&
		!strings.HasPrefix(next, prefix+"/login") {
		return next
	}
	return prefix + "/overview"
}

func urlEscape(s string) string { return url.QueryEscape(s) }
