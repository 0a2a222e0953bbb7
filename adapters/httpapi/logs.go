package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// maxLogPage bounds one page of request records.
const maxLogPage = 1000

type logPage struct {
	Object string       `json:"object"`
	Data   []recordJSON `json:"data"`
	// NextCursor continues the listing (?cursor=); empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// logFilter reads the query of a logs listing: provider_id, model, status
// ("ok" or an error code such as rate_limited), client_request_id (the
// X-Request-Id the client sent), since and until (RFC 3339), cursor and
// limit, plus account_id and key_id for admins.
func logFilter(r *http.Request, admin bool) (gateway.RecordFilter, error) {
	q := r.URL.Query()
	f := gateway.RecordFilter{ProviderID: q.Get("provider_id"), Model: q.Get("model"), Code: gateway.Code(q.Get("status")),
		ClientRequestID: q.Get("client_request_id")}
	if admin {
		f.AccountID, f.KeyID = q.Get("account_id"), q.Get("key_id")
	} else {
		f.KeyID = q.Get("key_id")
	}
	var err error
	if f.Limit, err = intParam(r, "limit"); err != nil {
		return f, err
	}
	if f.Limit > maxLogPage {
		return f, gateway.Invalid("limit", "limit must be at most %d", maxLogPage)
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(p.name); v != "" {
			if *p.dst, err = time.Parse(time.RFC3339Nano, v); err != nil {
				return f, gateway.Invalid(p.name, "%s must be an RFC 3339 time such as 2026-11-24T08:00:00Z", p.name)
			}
		}
	}
	if c := q.Get("cursor"); c != "" {
		if f.Before, err = decodeCursor(c); err != nil {
			return f, err
		}
	}
	return f, nil
}

// encodeCursor names a position in a newest-first listing (records, ledger
// entries): the last item's time and ID.
func encodeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixNano(), 10) + "|" + id))
}

func decodeCursor(s string) (*gateway.RecordCursor, error) {
	bad := gateway.Invalid("cursor", "cursor is not one this API returned")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	nanos, id, ok := strings.Cut(string(b), "|")
	n, err := strconv.ParseInt(nanos, 10, 64)
	if !ok || err != nil || id == "" {
		return nil, bad
	}
	return &gateway.RecordCursor{Time: time.Unix(0, n).UTC(), ID: id}, nil
}

func (s *Server) writeLogs(w http.ResponseWriter, r *http.Request, f gateway.RecordFilter) {
	recs, err := s.admin.Records(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page := logPage{Object: "list", Data: make([]recordJSON, 0, len(recs))}
	for _, rec := range recs {
		page.Data = append(page.Data, recordView(rec))
	}
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	if len(recs) == limit {
		last := recs[len(recs)-1]
		page.NextCursor = encodeCursor(last.Time, last.ID)
	}
	writeJSON(w, http.StatusOK, page)
}

// listLogs answers GET /admin/logs.
func (s *Server) listLogs(w http.ResponseWriter, r *http.Request) {
	f, err := logFilter(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeLogs(w, r, f)
}

// ownLogs answers GET /v1/logs: the caller's own account only.
func (s *Server) ownLogs(w http.ResponseWriter, r *http.Request, c *gateway.Caller) {
	f, err := logFilter(r, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f.AccountID = c.Account.ID
	s.writeLogs(w, r, f)
}
