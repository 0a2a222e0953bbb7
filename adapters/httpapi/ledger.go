package httpapi

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
)

type entryJSON struct {
	ID           string            `json:"id"`
	AccountID    string            `json:"account_id"`
	Kind         gateway.EntryKind `json:"kind"`
	Amount       gateway.Micros    `json:"amount"`
	BalanceAfter gateway.Micros    `json:"balance_after"`
	Actor        string            `json:"actor"`
	Reason       string            `json:"reason,omitempty"`
	RequestID    string            `json:"request_id,omitempty"`
	Time         time.Time         `json:"time"`
}

func entryView(e *gateway.LedgerEntry) entryJSON {
	return entryJSON{ID: e.ID, AccountID: e.AccountID, Kind: e.Kind, Amount: e.Amount, BalanceAfter: e.BalanceAfter,
		Actor: e.Actor, Reason: e.Reason, RequestID: e.RequestID, Time: e.Time}
}

// balanceJSON is an account's credit position, in micros.
type balanceJSON struct {
	AccountID string          `json:"account_id"`
	Prepaid   bool            `json:"prepaid"`
	Balance   gateway.Micros  `json:"balance"`
	Held      gateway.Micros  `json:"held"`
	Available gateway.Micros  `json:"available"`
	Budgets   []budgetUseJSON `json:"budgets"`
}

type budgetUseJSON struct {
	Period string         `json:"period"`
	Cap    gateway.Micros `json:"cap"`
	Left   gateway.Micros `json:"left"`
	Ends   time.Time      `json:"ends"`
}

func balanceView(b *gateway.Balance) balanceJSON {
	v := balanceJSON{AccountID: b.AccountID, Prepaid: b.Prepaid, Balance: b.Balance, Held: b.Held, Available: b.Available,
		Budgets: []budgetUseJSON{}}
	for _, u := range b.Budgets {
		v.Budgets = append(v.Budgets, budgetUseJSON{u.Period, u.Cap, u.Left, u.Ends})
	}
	return v
}

// credit serves POST /admin/accounts/{id}/credits: a grant (the default),
// purchase or adjustment, with a reason.
func (s *Server) credit(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Kind   gateway.EntryKind `json:"kind"`
		Amount gateway.Micros    `json:"amount"`
		Reason string            `json:"reason"`
	}
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Kind == "" {
		in.Kind = gateway.EntryGrant
	}
	e, err := s.admin.Credit(r.Context(), gateway.Credit{AccountID: mux.Vars(r)["id"], Kind: in.Kind, Amount: in.Amount,
		Actor: "admin", Reason: in.Reason})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, entryView(e))
}

func (s *Server) accountBalance(w http.ResponseWriter, r *http.Request) {
	b, err := s.admin.Balance(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, balanceView(b))
}

// ownBalance serves GET /v1/balance for the caller's account.
func (s *Server) ownBalance(w http.ResponseWriter, r *http.Request, c *gateway.Caller) {
	b, err := s.gw.Balance(r.Context(), c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, balanceView(b))
}

// listLedger serves GET /admin/ledger: entries newest first, filtered by
// account_id, kind, since and until, in pages of limit continued by
// cursor.
func (s *Server) listLedger(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := gateway.LedgerFilter{AccountID: q.Get("account_id"), Kind: gateway.EntryKind(q.Get("kind"))}
	rf, err := logFilter(r, true) // the shared time range, cursor and limit
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f.Since, f.Until, f.Before, f.Limit = rf.Since, rf.Until, rf.Before, rf.Limit
	es, err := s.admin.Ledger(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page := struct {
		Object     string      `json:"object"`
		Data       []entryJSON `json:"data"`
		NextCursor string      `json:"next_cursor,omitempty"`
	}{Object: "list", Data: make([]entryJSON, 0, len(es))}
	for _, e := range es {
		page.Data = append(page.Data, entryView(e))
	}
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	if len(es) == limit {
		last := es[len(es)-1]
		page.NextCursor = encodeCursor(last.Time, last.ID)
	}
	writeJSON(w, http.StatusOK, page)
}

// checkLedger serves GET /admin/ledger/check: the accounts whose balance
// is not the sum of their entries, none when the ledger holds.
func (s *Server) checkLedger(w http.ResponseWriter, r *http.Request) {
	drift, err := s.admin.CheckLedger(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	type driftJSON struct {
		AccountID string         `json:"account_id"`
		Balance   gateway.Micros `json:"balance"`
		Sum       gateway.Micros `json:"sum"`
	}
	out := struct {
		OK    bool        `json:"ok"`
		Drift []driftJSON `json:"drift"`
	}{OK: len(drift) == 0, Drift: []driftJSON{}}
	for _, d := range drift {
		out.Drift = append(out.Drift, driftJSON{d.AccountID, d.Balance, d.Sum})
	}
	writeJSON(w, http.StatusOK, out)
}

// refund serves POST /admin/refunds: a request's charge given back, whole
// or in part, once.
func (s *Server) refund(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RequestID string         `json:"request_id"`
		Amount    gateway.Micros `json:"amount"`
		Reason    string         `json:"reason"`
	}
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	e, err := s.admin.Refund(r.Context(), gateway.Refund{RequestID: in.RequestID, Amount: in.Amount, Actor: "admin", Reason: in.Reason})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, entryView(e))
}

// bulkCredit serves POST /admin/credits/bulk: one kind and reason, an
// amount per account, and a result per account.
func (s *Server) bulkCredit(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Kind    gateway.EntryKind `json:"kind"`
		Reason  string            `json:"reason"`
		Credits []struct {
			AccountID string         `json:"account_id"`
			Amount    gateway.Micros `json:"amount"`
		} `json:"credits"`
	}
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(in.Credits) == 0 || len(in.Credits) > 1000 {
		s.writeError(w, r, gateway.Invalid("credits", "credits must list 1 to 1000 accounts"))
		return
	}
	if in.Kind == "" {
		in.Kind = gateway.EntryGrant
	}
	cs := make([]gateway.Credit, len(in.Credits))
	for i, c := range in.Credits {
		cs[i] = gateway.Credit{AccountID: c.AccountID, Kind: in.Kind, Amount: c.Amount, Actor: "admin", Reason: in.Reason}
	}
	type result struct {
		AccountID string       `json:"account_id"`
		OK        bool         `json:"ok"`
		Entry     *entryJSON   `json:"entry,omitempty"`
		Error     *errorDetail `json:"error,omitempty"`
	}
	out := struct {
		Object string   `json:"object"`
		Data   []result `json:"data"`
	}{Object: "list"}
	for _, res := range s.admin.BulkCredit(r.Context(), cs) {
		item := result{AccountID: res.AccountID, OK: res.Err == nil}
		if res.Err != nil {
			_, body := toBody(res.Err)
			item.Error = &body.Error
		} else {
			v := entryView(res.Entry)
			item.Entry = &v
		}
		out.Data = append(out.Data, item)
	}
	writeJSON(w, http.StatusOK, out)
}

// ledgerSummary serves GET /admin/ledger/summary: entries and amounts by
// kind, for one account (account_id) or all, over since and until.
func (s *Server) ledgerSummary(w http.ResponseWriter, r *http.Request) {
	rf, err := logFilter(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sums, err := s.admin.LedgerSummary(r.Context(), gateway.LedgerFilter{AccountID: r.URL.Query().Get("account_id"), Since: rf.Since, Until: rf.Until})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	type kindJSON struct {
		Kind    gateway.EntryKind `json:"kind"`
		Entries int64             `json:"entries"`
		Amount  gateway.Micros    `json:"amount"`
	}
	out := struct {
		Kinds []kindJSON     `json:"kinds"`
		Net   gateway.Micros `json:"net"`
	}{Kinds: []kindJSON{}}
	for _, k := range sums {
		out.Kinds = append(out.Kinds, kindJSON{k.Kind, k.Entries, k.Amount})
		out.Net += k.Amount
	}
	writeJSON(w, http.StatusOK, out)
}
