package webui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// accountFields are the create-account form's fields.
var accountFields = []string{"name", "default_namespace", "namespaces", "prepaid"}

// accountsData is the accounts page's Data.
type accountsData struct {
	Accounts []*gateway.Account
	Pager    pager
	Filter   string
	Status   string
}

// accounts lists the accounts, filtered by name or ID and status, paged,
// with the create form.
func (u *UI) accounts(w http.ResponseWriter, r *http.Request, s *session) {
	u.renderAccounts(w, r, s, &view{})
}

func (u *UI) renderAccounts(w http.ResponseWriter, r *http.Request, s *session, v *view) {
	all, err := u.admin.Accounts(r.Context())
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	q := r.URL.Query()
	filter, status := strings.TrimSpace(q.Get("q")), q.Get("status")
	var rows []*gateway.Account
	for _, a := range all {
		if (contains(a.Name, filter) || contains(a.ID, filter)) && (status == "" || string(a.Status) == status) {
			rows = append(rows, a)
		}
	}
	slices.SortFunc(rows, func(a, b *gateway.Account) int { return strings.Compare(a.Name, b.Name) })
	pg, lo, hi := newPager(r, len(rows), "q="+url.QueryEscape(filter)+"&status="+url.QueryEscape(status))
	v.Title, v.Nav, v.Session = "Accounts", "accounts", s
	v.Data = accountsData{Accounts: rows[lo:hi], Pager: pg, Filter: filter, Status: status}
	code := http.StatusOK
	if len(v.Errors) > 0 || v.Error != "" {
		code = http.StatusUnprocessableEntity
	}
	u.render(w, r, code, "accounts", v)
}

// createAccount adds an account.
func (u *UI) createAccount(w http.ResponseWriter, r *http.Request, s *session) {
	a, err := u.admin.CreateAccount(r.Context(), &gateway.Account{
		Name:             strings.TrimSpace(r.PostFormValue("name")),
		DefaultNamespace: strings.TrimSpace(r.PostFormValue("default_namespace")),
		Namespaces:       listField(r, "namespaces"),
		Prepaid:          r.PostFormValue("prepaid") == "on",
	})
	if err != nil {
		v := &view{Form: r.PostForm}
		u.formError(v, err, accountFields...)
		u.renderAccounts(w, r, s, v)
		return
	}
	u.redirect(w, r, "/accounts/"+url.PathEscape(a.ID)+"?flash="+url.QueryEscape("Account "+a.Name+" created."))
}

// accountData is the account page's Data.
type accountData struct {
	Account *gateway.Account
	Balance *gateway.Balance
	Keys    []*gateway.Key
	KeyPage pager
	Ledger  []*gateway.LedgerEntry
	// LedgerNext is the cursor of the next page of the ledger, "" at
	// its end.
	LedgerNext string
	Limits     []valueField
	KeyLimits  []valueField
	// Issued is a key just issued, shown once.
	Issued       *gateway.Key
	IssuedSecret string
	Kinds        []gateway.EntryKind
	// The filters of the keys (name or prefix, status) and of the
	// ledger (kind).
	KeyFilter, KeyStatus, Kind string
	AllKinds                   []gateway.EntryKind
}

// account shows an account: its balance, keys (issue, revoke), limits,
// ledger (paged) and the grant form. An account's session may open only
// its own: another's is 404, as if it did not exist.
func (u *UI) account(w http.ResponseWriter, r *http.Request, s *session) {
	u.renderAccount(w, r, s, &view{}, nil, "")
}

func (u *UI) renderAccount(w http.ResponseWriter, r *http.Request, s *session, v *view, issued *gateway.Key, secret string) {
	ctx := r.Context()
	id := r.PathValue("id")
	if !s.mayOpen(id) {
		u.fail(w, r, s, http.StatusNotFound, "There is no such account.")
		return
	}
	a, err := u.admin.Account(ctx, id)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	if v.Form == nil {
		v.Form = url.Values{}
	}
	if !v.Form.Has("a_name") { // the edit form shows the account as it is
		v.Form.Set("a_name", a.Name)
		v.Form.Set("default_namespace", a.DefaultNamespace)
		v.Form.Set("namespaces", strings.Join(a.Namespaces, ", "))
		v.Form.Set("budget.daily", a.Budget.Daily.String())
		v.Form.Set("budget.monthly", a.Budget.Monthly.String())
		if a.Prepaid {
			v.Form.Set("prepaid", "on")
		}
	}
	d := accountData{Account: a, Limits: limitValues(v, "", a.Limits), KeyLimits: limitValues(v, "key.", gateway.Limits{}), Issued: issued, IssuedSecret: secret,
		Kinds: []gateway.EntryKind{gateway.EntryGrant, gateway.EntryPurchase, gateway.EntryAdjustment},
		AllKinds: []gateway.EntryKind{gateway.EntryGrant, gateway.EntryPurchase, gateway.EntryCoupon, gateway.EntryUsage,
			gateway.EntryRefund, gateway.EntryAdjustment, gateway.EntryHoldExpiry}}
	if d.Balance, err = u.admin.Balance(ctx, id); err != nil {
		u.failErr(w, r, s, err)
		return
	}
	keys, err := u.admin.Keys(ctx, id)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	if !s.Admin { // an account manages its client keys; its master key is the admin's
		keys = slices.DeleteFunc(keys, func(k *gateway.Key) bool { return k.Master })
	}
	q := r.URL.Query()
	d.KeyFilter, d.KeyStatus, d.Kind = strings.TrimSpace(q.Get("key_q")), q.Get("key_status"), q.Get("kind")
	keys = slices.DeleteFunc(keys, func(k *gateway.Key) bool {
		return !(contains(k.Name, d.KeyFilter) || contains(k.Prefix, d.KeyFilter)) || (d.KeyStatus != "" && string(k.Status) != d.KeyStatus)
	})
	slices.SortFunc(keys, func(a, b *gateway.Key) int { return b.CreatedAt.Compare(a.CreatedAt) })
	var lo, hi int
	d.KeyPage, lo, hi = newPager(r, len(keys), "key_q="+url.QueryEscape(d.KeyFilter)+"&key_status="+url.QueryEscape(d.KeyStatus))
	d.Keys = keys[lo:hi]
	f := gateway.LedgerFilter{AccountID: id, Kind: gateway.EntryKind(d.Kind), Limit: pageSize + 1}
	if c, ok := parseCursor(r.URL.Query().Get("before")); ok {
		f.Before = &c
	}
	if d.Ledger, err = u.admin.Ledger(ctx, f); err != nil {
		u.failErr(w, r, s, err)
		return
	}
	if len(d.Ledger) > pageSize {
		d.Ledger = d.Ledger[:pageSize]
		last := d.Ledger[pageSize-1]
		d.LedgerNext = formatCursor(gateway.RecordCursor{Time: last.Time, ID: last.ID})
	}
	v.Title, v.Nav, v.Session, v.Data = "Account "+a.Name, "accounts", s, d
	code := http.StatusOK
	if len(v.Errors) > 0 || v.Error != "" {
		code = http.StatusUnprocessableEntity
	}
	u.render(w, r, code, "account", v)
}

// accountEditFields are the edit-account form's fields; the API's "name"
// is the form's "a_name" (the key form has a name too).
var accountEditFields = append([]string{"a_name", "status", "default_namespace", "namespaces", "prepaid",
	"budget.daily", "budget.monthly"}, limitFieldNames("")...)

// updateAccount changes an account: name, status, namespaces, prepaid,
// budget and limits.
func (u *UI) updateAccount(w http.ResponseWriter, r *http.Request, s *session) {
	up := gateway.AccountUpdate{}
	name := strings.TrimSpace(r.PostFormValue("a_name"))
	st := gateway.Status(r.PostFormValue("status"))
	def := strings.TrimSpace(r.PostFormValue("default_namespace"))
	nss := listField(r, "namespaces")
	prepaid := r.PostFormValue("prepaid") == "on"
	up.Name, up.Status, up.DefaultNamespace, up.Namespaces, up.Prepaid = &name, &st, &def, &nss, &prepaid
	var (
		a      *gateway.Account
		l      gateway.Limits
		budget gateway.Budget
	)
	l, err := limitsFields(r, "")
	if err == nil {
		budget.Daily, err = creditsField(r, "budget.daily")
	}
	if err == nil {
		budget.Monthly, err = creditsField(r, "budget.monthly")
	}
	if err == nil {
		up.Limits, up.Budget = &l, &budget
		a, err = u.admin.UpdateAccount(r.Context(), r.PathValue("id"), up)
	}
	if err != nil {
		v := &view{Form: r.PostForm}
		u.formError(v, renameField(err, map[string]string{"name": "a_name"}), accountEditFields...)
		u.renderAccount(w, r, s, v, nil, "")
		return
	}
	u.redirect(w, r, "/accounts/"+url.PathEscape(a.ID)+"?flash="+url.QueryEscape("Account saved."))
}

// grantCredits changes an account's balance: a grant, a purchase or an
// adjustment, with a reason.
func (u *UI) grantCredits(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	amount, err := creditsField(r, "amount")
	if err == nil {
		_, err = u.admin.Credit(r.Context(), gateway.Credit{AccountID: id, Kind: gateway.EntryKind(r.PostFormValue("kind")),
			Amount: amount, Actor: s.actor(), Reason: strings.TrimSpace(r.PostFormValue("reason"))})
	}
	if err != nil {
		v := &view{Form: r.PostForm}
		u.formError(v, err, "amount", "kind", "reason")
		u.renderAccount(w, r, s, v, nil, "")
		return
	}
	u.redirect(w, r, "/accounts/"+url.PathEscape(id)+"?flash="+url.QueryEscape("Balance changed by "+amount.String()+" credits."))
}
