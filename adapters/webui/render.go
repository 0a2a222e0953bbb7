package webui

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// view is what every page template gets: the layout's fields and the
// page's own Data.
type view struct {
	Title   string
	Nav     string // the navigation entry to highlight
	Session *session
	CSRF    string
	// Flash is a message about what the last action did.
	Flash string
	// Error is a message about the page's form that no field holds.
	Error string
	// Errors are messages beside form fields, by field name.
	Errors map[string]string
	// Form is what the user typed, kept when a form is shown again.
	Form url.Values
	Data any
}

// inputField is what the "input" template draws: a labelled field with
// its error or hint beside it.
type inputField struct {
	V                       *view
	Name, Label, Type, Hint string
}

// valueField is what the "num" and "txt" templates draw: a field filled
// with the value in force, or with what the user typed when the form comes
// back with errors.
type valueField struct {
	V                  *view
	Name, Label, Value string
}

// parsePages parses the layout with each page template. A template that
// does not parse is a bug caught by the first test, so it panics.
func parsePages(prefix string) map[string]*template.Template {
	funcs := template.FuncMap{
		"u":       func(p ...string) string { return prefix + strings.Join(p, "") },
		"credits": func(m gateway.Micros) string { return m.String() },
		"when":    formatTime,
		"dur":     formatDuration,
		"ns":      func(t time.Time) int64 { return t.UnixNano() },
		"num":     func(n int64) string { return strconv.FormatInt(n, 10) },
		"join":    strings.Join,
		"pct":     pct,
		"q":       url.QueryEscape,
		"field": func(v *view, name string) string {
			if v.Form == nil {
				return ""
			}
			return v.Form.Get(name)
		},
		"err": func(v *view, name string) string { return v.Errors[name] },
		"val": func(f valueField) string {
			if f.V != nil && f.V.Form.Has(f.Name) {
				return f.V.Form.Get(f.Name)
			}
			return f.Value
		},
		"numField": func(v *view, name, label string, value int64) valueField {
			return valueField{V: v, Name: name, Label: label, Value: strconv.FormatInt(value, 10)}
		},
		"txtField": func(v *view, name, label, value string) valueField {
			return valueField{V: v, Name: name, Label: label, Value: value}
		},
		"dict2": func(v *view, name, label, typ, hint string) inputField {
			return inputField{V: v, Name: name, Label: label, Type: typ, Hint: hint}
		},
	}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return pages
}

// render writes a page with the status. The page is rendered into a
// buffer first, so a template error is a clean 500.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	if v.Session != nil && v.CSRF == "" {
		v.CSRF = u.token("session", v.Session.Nonce)
	}
	if v.Flash == "" {
		v.Flash = r.URL.Query().Get("flash")
	}
	t, ok := u.pages[page]
	if !ok {
		u.cfg.Logger.Error("webui: no such page", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		u.cfg.Logger.Error("webui: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail shows an error page with the status and a message; an empty
// message says only that something went wrong (the cause is logged).
func (u *UI) fail(w http.ResponseWriter, r *http.Request, s *session, status int, msg string) {
	if msg == "" {
		msg = "Something went wrong on the server; the details are in its log."
	}
	u.render(w, r, status, "error", &view{Title: http.StatusText(status), Session: s, Error: msg, Data: status})
}

// failErr shows a gateway error as a page: not found is 404, a refusal
// 403, a conflict or invalid input 422, anything else 500 (and logged).
func (u *UI) failErr(w http.ResponseWriter, r *http.Request, s *session, err error) {
	e := gateway.AsError(err)
	switch e.Code {
	case gateway.CodeNotFound:
		u.fail(w, r, s, http.StatusNotFound, e.Message)
	case gateway.CodeForbidden, gateway.CodeUnauthenticated:
		u.fail(w, r, s, http.StatusForbidden, e.Message)
	case gateway.CodeInvalid, gateway.CodeConflict:
		u.fail(w, r, s, http.StatusUnprocessableEntity, e.Message)
	default:
		u.cfg.Logger.Error("webui", "path", r.URL.Path, "err", err)
		u.fail(w, r, s, http.StatusInternalServerError, "")
	}
}

// formError puts a gateway error beside its field when the form has one
// (fields lists the form's field names), else above the form; it returns
// the status to answer with. Errors that are not the user's are logged.
func (u *UI) formError(v *view, err error, fields ...string) int {
	e := gateway.AsError(err)
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	switch e.Code {
	case gateway.CodeInvalid, gateway.CodeConflict, gateway.CodeNotFound, gateway.CodeForbidden:
	default:
		u.cfg.Logger.Error("webui: form", "err", err)
		v.Error = "Something went wrong on the server; the details are in its log."
		return http.StatusInternalServerError
	}
	if f := fieldFor(e.Field, fields); f != "" {
		v.Errors[f] = e.Message
	} else {
		v.Error = e.Message
	}
	if e.Code == gateway.CodeNotFound {
		return http.StatusNotFound
	}
	return http.StatusUnprocessableEntity
}

// fieldFor maps an API field name ("credentials[0].secret",
// "limits.requests_per_minute") to the form field that holds it.
func fieldFor(field string, fields []string) string {
	if field == "" {
		return ""
	}
	for _, f := range fields {
		if f == field {
			return f
		}
	}
	// "credentials[0].secret" → "secret"; "limits.requests_per_minute" →
	// "requests_per_minute".
	last := field
	if i := strings.LastIndexAny(field, ".]"); i >= 0 {
		last = strings.TrimPrefix(field[i+1:], ".")
	}
	if last == "secret" {
		last = "key" // a credential's secret is the form's key
	}
	for _, f := range fields {
		if f == last {
			return f
		}
	}
	return ""
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Millisecond:
		return d.String()
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return d.Round(10 * time.Millisecond).String()
}

func pct(part, whole int64) string {
	if whole == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.1f%%", float64(part)*100/float64(whole))
}
