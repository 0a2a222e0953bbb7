package webui

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// providerEditFields are the edit-provider form's fields; the API's
// "name" is the form's "p_name" (the page has other names).
var providerEditFields = []string{"p_name", "base_url", "models", "options"}

// updateProvider changes a provider's name, base URL, model patterns and
// options ("key=value", one a line).
func (u *UI) updateProvider(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("p_name"))
	baseURL := strings.TrimSpace(r.PostFormValue("base_url"))
	models := listField(r, "models")
	opts, err := parseOptions(r.PostFormValue("options"))
	var p *gateway.Provider
	if err == nil {
		p, err = u.admin.UpdateProvider(r.Context(), r.PathValue("id"),
			gateway.ProviderUpdate{Name: &name, BaseURL: &baseURL, Models: &models, Options: &opts})
	}
	if err != nil {
		v := &view{Form: r.PostForm}
		u.formError(v, renameField(err, map[string]string{"name": "p_name"}), providerEditFields...)
		u.renderProvider(w, r, s, v)
		return
	}
	u.redirect(w, r, "/providers/"+url.PathEscape(p.ID)+"?flash="+url.QueryEscape("Provider "+p.Name+" saved."))
}

// pinCredential makes a credential the one its provider uses while it
// can; unpinCredential (a provider action) spreads by weight again.
func (u *UI) pinCredential(w http.ResponseWriter, r *http.Request, s *session) {
	p, err := u.admin.PinCredential(r.Context(), r.PathValue("id"))
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	u.redirect(w, r, "/providers/"+url.PathEscape(p.ID)+"?flash="+url.QueryEscape("Credential pinned: the others stand by for failover."))
}

func (u *UI) unpinProvider(w http.ResponseWriter, r *http.Request, s *session) {
	p, err := u.admin.UnpinProvider(r.Context(), r.PathValue("id"))
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	u.redirect(w, r, "/providers/"+url.PathEscape(p.ID)+"?flash="+url.QueryEscape("Requests spread by weight again."))
}

// deleteCredentialsIn removes every credential of a provider in a
// status (invalid ones, say).
func (u *UI) deleteCredentialsIn(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	n, err := u.admin.DeleteCredentials(r.Context(), id, nil, gateway.Status(r.PostFormValue("status")))
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	u.redirect(w, r, "/providers/"+url.PathEscape(id)+"?flash="+url.QueryEscape(fmt.Sprintf("%d credentials removed.", n)))
}

// parseOptions reads "key=value" lines.
func parseOptions(text string) (map[string]string, error) {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, gateway.Invalid("options", "write each option as key=value, one a line")
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, nil
}

// optionsText writes options as parseOptions reads them, sorted.
func optionsText(opts map[string]string) string {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + opts[k] + "\n")
	}
	return b.String()
}

// renameField returns err with its Field renamed by names, for a form
// whose field names differ from the API's.
func renameField(err error, names map[string]string) error {
	e := gateway.AsError(err)
	to, ok := names[e.Field]
	if !ok {
		return err
	}
	e2 := *e
	e2.Field = to
	return &e2
}

// credentialHistory shows a credential's status changes, newest first;
// the link names its provider (?provider=), to come back to.
func (u *UI) credentialHistory(w http.ResponseWriter, r *http.Request, s *session) {
	evs, err := u.admin.CredentialEvents(r.Context(), r.PathValue("id"))
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	d := struct {
		ID, ProviderID string
		Events         []*gateway.CredentialEvent
	}{r.PathValue("id"), r.URL.Query().Get("provider"), evs}
	u.render(w, r, http.StatusOK, "history", &view{Title: "Credential history", Nav: "providers", Session: s, Data: d})
}
