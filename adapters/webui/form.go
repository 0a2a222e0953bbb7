package webui

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Form reading. Each reader returns a *gateway.Error naming the field, so
// a parse error shows beside its field like the API's own.

// intField reads a whole number; empty is 0.
func intField(r *http.Request, name string) (int64, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, gateway.Invalid(name, "%s must be a whole number", name)
	}
	return n, nil
}

// creditsField reads an amount of credits with up to six decimals
// ("12.5") as micros; empty is 0.
func creditsField(r *http.Request, name string) (gateway.Micros, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return 0, nil
	}
	m, ok := parseCredits(s)
	if !ok {
		return 0, gateway.Invalid(name, "%s must be an amount of credits such as 10 or 2.50", name)
	}
	return m, nil
}

// parseCredits parses "12", "-1.5" or "0.000001" as micros, without
// floating point.
func parseCredits(s string) (gateway.Micros, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 6 || strings.ContainsAny(whole+frac, "+- ") {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 9_000_000_000_000 {
		return 0, false
	}
	f := int64(0)
	if frac != "" {
		frac += strings.Repeat("0", 6-len(frac))
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return 0, false
		}
	}
	m := gateway.Micros(w*1_000_000 + f)
	if neg {
		m = -m
	}
	return m, true
}

// listField splits a field on commas and new lines, dropping blanks.
func listField(r *http.Request, name string) []string {
	return splitList(r.PostFormValue(name))
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == '\n' || c == '\r' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// limitNames are the fields of a Limits, as the API names them.
var limitNames = []string{"requests_per_second", "requests_per_minute", "requests_per_hour", "requests_per_day",
	"tokens_per_minute", "tokens_per_hour", "tokens_per_day", "concurrent"}

// limitPtrs are the fields of l in the order of limitNames.
func limitPtrs(l *gateway.Limits) []*int64 {
	return []*int64{&l.RequestsPerSecond, &l.RequestsPerMinute, &l.RequestsPerHour, &l.RequestsPerDay,
		&l.TokensPerMinute, &l.TokensPerHour, &l.TokensPerDay, &l.Concurrent}
}

// limitsFields reads the limit fields of a form, each named prefix plus
// its API name ("anonymous.limits.requests_per_minute").
func limitsFields(r *http.Request, prefix string) (gateway.Limits, error) {
	var l gateway.Limits
	for i, dst := range limitPtrs(&l) {
		n, err := intField(r, prefix+limitNames[i])
		if err != nil {
			return l, err
		}
		*dst = n
	}
	return l, nil
}

// limitFieldNames are the form fields limitsFields reads with prefix.
func limitFieldNames(prefix string) []string {
	out := make([]string, len(limitNames))
	for i, n := range limitNames {
		out[i] = prefix + n
	}
	return out
}

// limitValues are the fields of a limits form filled with l, for the
// "num" template.
func limitValues(v *view, prefix string, l gateway.Limits) []valueField {
	out := make([]valueField, len(limitNames))
	for i, p := range limitPtrs(&l) {
		out[i] = valueField{V: v, Name: prefix + limitNames[i], Label: strings.ReplaceAll(limitNames[i], "_", " "), Value: strconv.FormatInt(*p, 10)}
	}
	return out
}

// pageSize is how many rows a list shows.
const pageSize = 25

// pager pages an in-memory list: the page number from ?page= (1-based).
type pager struct {
	Page, Pages, Total int
	// Query is the list's other query parameters, for links: made by
	// newPager from escaped values, so trusted as a URL part.
	Query template.URL
}

// page returns the bounds of the current page of n items.
func newPager(r *http.Request, n int, query string) (pager, int, int) {
	p := pager{Total: n, Pages: (n + pageSize - 1) / pageSize, Query: template.URL(query)}
	if p.Pages == 0 {
		p.Pages = 1
	}
	p.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	p.Page = max(1, min(p.Page, p.Pages))
	lo := (p.Page - 1) * pageSize
	return p, lo, min(lo+pageSize, n)
}

// Prev and Next are the neighbouring page numbers, 0 when there is none.
func (p pager) Prev() int {
	if p.Page > 1 {
		return p.Page - 1
	}
	return 0
}

func (p pager) Next() int {
	if p.Page < p.Pages {
		return p.Page + 1
	}
	return 0
}

// contains reports whether s contains sub, ignoring case.
func contains(s, sub string) bool {
	return sub == "" || strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
