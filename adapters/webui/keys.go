package webui

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// keyFields are the issue-key form's fields. Its limits are "key." plus
// the limit's name, its budget "key_budget.daily" and ".monthly", its
// extra namespaces "key_namespaces": the account's own forms on the same
// page use the plain names.
var keyFields = append([]string{"name", "models", "namespace", "expires_at", "allowed_ips", "key_namespaces",
	"key_budget.daily", "key_budget.monthly"}, limitFieldNames("key.")...)

// keyFieldNames maps the API's field names to the issue-key form's.
var keyFieldNames = func() map[string]string {
	m := map[string]string{"namespaces": "key_namespaces", "budget.daily": "key_budget.daily", "budget.monthly": "key_budget.monthly"}
	for _, n := range limitNames {
		m["limits."+n] = "key." + n
	}
	return m
}()

// issueKey issues a client key of the account and shows its secret once,
// in the response to the POST (never in a URL). The admin issues as
// "admin", an account as itself.
func (u *UI) issueKey(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	if !s.mayOpen(id) {
		u.fail(w, r, s, http.StatusNotFound, "There is no such account.")
		return
	}
	spec := gateway.KeySpec{
		Name:       strings.TrimSpace(r.PostFormValue("name")),
		Models:     listField(r, "models"),
		Namespace:  strings.TrimSpace(r.PostFormValue("namespace")),
		Namespaces: listField(r, "key_namespaces"),
		AllowedIPs: listField(r, "allowed_ips"),
	}
	var err error
	spec.Limits, err = limitsFields(r, "key.")
	if err == nil {
		spec.Budget.Daily, err = creditsField(r, "key_budget.daily")
	}
	if err == nil {
		spec.Budget.Monthly, err = creditsField(r, "key_budget.monthly")
	}
	if e := strings.TrimSpace(r.PostFormValue("expires_at")); e != "" && err == nil {
		if spec.ExpiresAt, err = time.Parse("2006-01-02", e); err != nil {
			err = gateway.Invalid("expires_at", "expires_at must be a date (YYYY-MM-DD)")
		}
	}
	issuer := gateway.IssuedByAdmin
	if !s.Admin {
		issuer = gateway.IssuedByAccount(s.Account)
	}
	var (
		k      *gateway.Key
		secret string
	)
	if err == nil {
		k, secret, err = u.admin.IssueKey(r.Context(), id, spec, issuer)
	}
	if err != nil {
		v := &view{Form: r.PostForm}
		u.formError(v, renameField(err, keyFieldNames), keyFields...)
		u.renderAccount(w, r, s, v, nil, "")
		return
	}
	u.renderAccount(w, r, s, &view{Flash: "Key " + k.Name + " issued. Copy it now: it is not shown again."}, k, secret)
}

// revokeKey revokes a client key of the account; a key of another
// account is 404.
func (u *UI) revokeKey(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	if !s.mayOpen(id) {
		u.fail(w, r, s, http.StatusNotFound, "There is no such account.")
		return
	}
	if _, err := u.admin.RevokeAccountKey(r.Context(), id, r.PathValue("key")); err != nil {
		u.failErr(w, r, s, err)
		return
	}
	u.redirect(w, r, "/accounts/"+url.PathEscape(id)+"?flash="+url.QueryEscape("Key revoked."))
}

// revokeAllKeys revokes every client key of the account at once (its
// epoch moves on); the master key stays.
func (u *UI) revokeAllKeys(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	if !s.mayOpen(id) {
		u.fail(w, r, s, http.StatusNotFound, "There is no such account.")
		return
	}
	if _, err := u.admin.RevokeAccountKeys(r.Context(), id); err != nil {
		u.failErr(w, r, s, err)
		return
	}
	u.redirect(w, r, "/accounts/"+url.PathEscape(id)+"?flash="+url.QueryEscape("Every client key is revoked."))
}

// issueMaster issues the account's master key (revoking the one it had)
// and shows it once.
func (u *UI) issueMaster(w http.ResponseWriter, r *http.Request, s *session) {
	k, secret, err := u.admin.IssueMasterKey(r.Context(), r.PathValue("id"))
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	u.renderAccount(w, r, s, &view{Flash: "Master key issued; the previous one is revoked. Copy it now: it is not shown again."}, k, secret)
}
