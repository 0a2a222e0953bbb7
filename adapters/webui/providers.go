package webui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// driverTypes are the provider types the create form offers besides the
// presets and a custom OpenAI-compatible host.
var driverTypes = []string{"openai", "anthropic", "gemini", "azure", "mock"}

// providerFields are the create form's fields.
var providerFields = []string{"source", "name", "base_url", "models", "key", "auth"}

// providerRow is a provider in the list, with its credentials counted.
type providerRow struct {
	*gateway.Provider
	States map[gateway.Status]int
	Total  int
}

// providersData is the providers page's Data.
type providersData struct {
	Rows    []providerRow
	Pager   pager
	Filter  string
	Presets []gateway.Preset
	Types   []string
}

// providers lists the providers, filtered by name or type and paged, with
// the create form (from a preset, a custom host, or a driver type).
func (u *UI) providers(w http.ResponseWriter, r *http.Request, s *session) {
	u.renderProviders(w, r, s, &view{})
}

func (u *UI) renderProviders(w http.ResponseWriter, r *http.Request, s *session, v *view) {
	ctx := r.Context()
	ps, err := u.admin.Providers(ctx)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	states, err := u.admin.CredentialStates(ctx)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	filter := strings.TrimSpace(r.URL.Query().Get("q"))
	var rows []providerRow
	for _, p := range ps {
		if !contains(p.Name, filter) && !contains(p.Type, filter) {
			continue
		}
		row := providerRow{Provider: p, States: states[p.Name]}
		for _, n := range row.States {
			row.Total += n
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b providerRow) int { return strings.Compare(a.Name, b.Name) })
	pg, lo, hi := newPager(r, len(rows), "q="+url.QueryEscape(filter))
	v.Title, v.Nav, v.Session = "Providers", "providers", s
	v.Data = providersData{Rows: rows[lo:hi], Pager: pg, Filter: filter, Presets: u.admin.Presets(), Types: driverTypes}
	status := http.StatusOK
	if len(v.Errors) > 0 || v.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	u.render(w, r, status, "providers", v)
}

// createProvider creates a provider from the form's source: "preset:x",
// "custom", or "type:x".
func (u *UI) createProvider(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	source := r.PostFormValue("source")
	name := strings.TrimSpace(r.PostFormValue("name"))
	baseURL := strings.TrimSpace(r.PostFormValue("base_url"))
	models := listField(r, "models")
	key := gateway.Secret(strings.TrimSpace(r.PostFormValue("key")))
	var (
		p   *gateway.Provider
		err error
	)
	switch kind, arg, _ := strings.Cut(source, ":"); kind {
	case "preset":
		p, _, err = u.admin.CreateProviderFromPreset(ctx, gateway.FromPreset{Preset: arg, Name: name, BaseURL: baseURL, Models: models, Key: key})
	case "custom":
		p, _, err = u.admin.CreateCustomProvider(ctx, gateway.Custom{Name: name, BaseURL: baseURL, Models: models,
			Auth: r.PostFormValue("auth"), Key: key})
	case "type":
		p, err = u.admin.CreateProvider(ctx, &gateway.Provider{Name: name, Type: arg, BaseURL: baseURL, Models: models})
		if err == nil && key != "" {
			_, err = u.admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Name: "first", Secret: key}})
		}
	default:
		err = gateway.Invalid("source", "choose a preset, a custom host or a provider type")
	}
	if err != nil && p == nil {
		v := &view{Form: r.PostForm}
		u.formError(v, err, providerFields...)
		u.renderProviders(w, r, s, v)
		return
	}
	flash := "Provider " + p.Name + " created."
	if err != nil { // the provider stands; its key was refused
		flash = "Provider " + p.Name + " created, but its key was refused: " + gateway.ErrorMessage(err)
	}
	u.redirect(w, r, "/providers/"+url.PathEscape(p.ID)+"?flash="+url.QueryEscape(flash))
}

// providerData is the provider page's Data.
type providerData struct {
	Provider    *gateway.Provider
	Credentials []*gateway.Credential
	Pager       pager
	Filter      string
	State       string
	Breaker     *gateway.BreakerState
	Statuses    []gateway.Status
	// Options is the provider's options as the edit form writes them;
	// Pinned the credential its pinned_credential option names.
	Options string
	Pinned  string
}

// provider shows a provider and its credentials (state, weight, last
// error), filtered by name or status and paged, with the forms to add,
// import, validate, enable, disable and remove them.
func (u *UI) provider(w http.ResponseWriter, r *http.Request, s *session) {
	u.renderProvider(w, r, s, &view{})
}

func (u *UI) renderProvider(w http.ResponseWriter, r *http.Request, s *session, v *view) {
	ctx := r.Context()
	p, err := u.admin.Provider(ctx, r.PathValue("id"))
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	cs, err := u.admin.Credentials(ctx, p.ID)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	q := r.URL.Query()
	filter, state := strings.TrimSpace(q.Get("q")), q.Get("status")
	var rows []*gateway.Credential
	for _, c := range cs {
		if contains(c.Name, filter) && (state == "" || string(c.Status) == state) {
			rows = append(rows, c)
		}
	}
	pg, lo, hi := newPager(r, len(rows), "q="+url.QueryEscape(filter)+"&status="+url.QueryEscape(state))
	d := providerData{Provider: p, Credentials: rows[lo:hi], Pager: pg, Filter: filter, State: state,
		Statuses: []gateway.Status{gateway.StatusActive, gateway.StatusDegraded, gateway.StatusDisabled, gateway.StatusInvalid, gateway.StatusPending}}
	d.Options, d.Pinned = optionsText(p.Options), p.Options["pinned_credential"]
	if v.Form == nil {
		v.Form = url.Values{}
	}
	if !v.Form.Has("p_name") { // the edit form shows the provider as it is
		v.Form.Set("p_name", p.Name)
		v.Form.Set("base_url", p.BaseURL)
		v.Form.Set("models", strings.Join(p.Models, ", "))
		v.Form.Set("options", d.Options)
	}
	if b, err := u.admin.Breaker(p.ID); err == nil {
		d.Breaker = &b
	}
	v.Title, v.Nav, v.Session, v.Data = "Provider "+p.Name, "providers", s, d
	status := http.StatusOK
	if len(v.Errors) > 0 || v.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	u.render(w, r, status, "provider", v)
}

// providerStatus enables or disables a provider.
func (u *UI) providerStatus(w http.ResponseWriter, r *http.Request, s *session) {
	st := gateway.Status(r.PostFormValue("status"))
	p, err := u.admin.UpdateProvider(r.Context(), r.PathValue("id"), gateway.ProviderUpdate{Status: &st})
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	u.redirect(w, r, "/providers/"+url.PathEscape(p.ID)+"?flash="+url.QueryEscape("Provider "+p.Name+" is "+string(p.Status)+"."))
}

// deleteProvider removes a provider with its credentials and bindings.
func (u *UI) deleteProvider(w http.ResponseWriter, r *http.Request, s *session) {
	if err := u.admin.DeleteProvider(r.Context(), r.PathValue("id")); err != nil {
		u.failErr(w, r, s, err)
		return
	}
	u.redirect(w, r, "/providers?flash="+url.QueryEscape("Provider removed."))
}
