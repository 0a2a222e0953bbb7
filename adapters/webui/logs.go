package webui

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// logsData is the logs page's Data.
type logsData struct {
	Records []*gateway.RequestRecord
	Filter  url.Values
	// Next is the query of the next (older) page, "" at the end; it is
	// url.Values.Encode's, so trusted as a URL part.
	Next  template.URL
	Codes []gateway.Code
	// Providers are the admin's choice of provider, and their names by
	// ID for the table.
	Providers []*gateway.Provider
	Names     map[string]string
}

// logs lists request records, newest first, filtered by account, key,
// provider, model and outcome, and paged by a cursor. An account sees
// only its own records, whatever the filter says.
func (u *UI) logs(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	f := gateway.RecordFilter{
		AccountID:  strings.TrimSpace(q.Get("account")),
		KeyID:      strings.TrimSpace(q.Get("key")),
		ProviderID: strings.TrimSpace(q.Get("provider")),
		Model:      strings.TrimSpace(q.Get("model")),
		Code:       gateway.Code(q.Get("code")),
		Limit:      pageSize + 1,
	}
	if !s.Admin {
		f.AccountID = s.Account
	}
	if c, ok := parseCursor(q.Get("before")); ok {
		f.Before = &c
	}
	var err error
	if f.Since, err = timeField(q.Get("since"), "since"); err == nil {
		f.Until, err = timeField(q.Get("until"), "until")
	}
	if err != nil {
		v := &view{Title: "Logs", Nav: "logs", Session: s, Data: logsData{Filter: q}}
		u.formError(v, err, "since", "until")
		u.render(w, r, http.StatusUnprocessableEntity, "logs", v)
		return
	}
	recs, err := u.admin.Records(r.Context(), f)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	d := logsData{Filter: q, Codes: []gateway.Code{gateway.CodeUpstream, gateway.CodeUpstreamTimeout, gateway.CodeRateLimited,
		gateway.CodeNoCredits, gateway.CodeInvalid, gateway.CodeNotFound, gateway.CodeUnavailable, gateway.CodeCanceled}}
	if len(recs) > pageSize {
		recs = recs[:pageSize]
		last := recs[pageSize-1]
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("before", formatCursor(gateway.RecordCursor{Time: last.Time, ID: last.ID}))
		d.Next = template.URL(next.Encode())
	}
	d.Records = recs
	if s.Admin {
		if d.Providers, err = u.admin.Providers(r.Context()); err != nil {
			u.failErr(w, r, s, err)
			return
		}
		d.Names = map[string]string{}
		for _, p := range d.Providers {
			d.Names[p.ID] = p.Name
		}
	}
	u.render(w, r, http.StatusOK, "logs", &view{Title: "Logs", Nav: "logs", Session: s, Data: d})
}

// timeField reads a filter's time, as a datetime-local input sends it
// ("2006-01-02T15:04", read as UTC); empty is the zero time.
func timeField(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02T15:04", v)
	if err != nil {
		return time.Time{}, gateway.Invalid(name, "%s must be a date and time (UTC)", name)
	}
	return t, nil
}

// logEntry shows one request with its attempts. Records are found by ID
// near a time: ?t= (unix nanoseconds, exact, as the logs list links),
// ?around= (a ledger entry's time, settled after the request began), or
// else the last day.
func (u *UI) logEntry(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	q := r.URL.Query()
	rec, err := u.findRecord(r.Context(), id, q.Get("t"), q.Get("around"), s)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	u.render(w, r, http.StatusOK, "log", &view{Title: "Request " + rec.ID, Nav: "logs", Session: s, Data: rec})
}

// findRecord looks for the record id in a window of time, among the
// session's records only.
func (u *UI) findRecord(ctx context.Context, id, at, around string, s *session) (*gateway.RequestRecord, error) {
	f := gateway.RecordFilter{Limit: 500}
	if !s.Admin {
		f.AccountID = s.Account
	}
	if n, err := strconv.ParseInt(at, 10, 64); err == nil {
		t := time.Unix(0, n)
		f.Since, f.Until = t.Add(-2*time.Second), t.Add(2*time.Second)
	} else if n, err := strconv.ParseInt(around, 10, 64); err == nil {
		t := time.Unix(0, n)
		f.Since, f.Until = t.Add(-time.Hour), t.Add(time.Minute)
	} else {
		f.Until = u.cfg.Now().Add(time.Minute)
		f.Since = f.Until.Add(-24 * time.Hour)
	}
	for range 20 { // at most 10,000 records of the window
		recs, err := u.admin.Records(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			if rec.ID == id {
				return rec, nil
			}
		}
		if len(recs) < f.Limit {
			break
		}
		last := recs[len(recs)-1]
		f.Before = &gateway.RecordCursor{Time: last.Time, ID: last.ID}
	}
	return nil, gateway.Errorf(gateway.CodeNotFound, "request %q not found (records are written in batches: it may appear in a moment)", id)
}

// formatCursor writes a page cursor for a URL: unix nanoseconds, then
// the ID.
func formatCursor(c gateway.RecordCursor) string {
	return strconv.FormatInt(c.Time.UnixNano(), 10) + "_" + c.ID
}

// parseCursor reads formatCursor's text.
func parseCursor(s string) (gateway.RecordCursor, bool) {
	ns, id, ok := strings.Cut(s, "_")
	if !ok {
		return gateway.RecordCursor{}, false
	}
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil {
		return gateway.RecordCursor{}, false
	}
	return gateway.RecordCursor{Time: time.Unix(0, n), ID: id}, true
}
