package webui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// bindingFields and policyFields are the routing forms' fields.
var (
	bindingFields = []string{"namespace", "model", "provider_id", "upstream_model", "priority", "weight"}
	policyFields  = []string{"policy_name", "policy_priority", "rules"}
)

// ruleJSON is a retry rule as the policy form writes it: snake_case, with
// durations as text ("1s").
type ruleJSON struct {
	Statuses   []int    `json:"statuses,omitempty"`
	Types      []string `json:"types,omitempty"`
	Contains   string   `json:"contains,omitempty"`
	Regexp     string   `json:"regexp,omitempty"`
	Action     string   `json:"action"`
	MaxRetries int      `json:"max_retries,omitempty"`
	Backoff    string   `json:"backoff,omitempty"`
	DisableFor string   `json:"disable_for,omitempty"`
}

// policyRow is a retry policy with its rules as the form's JSON.
type policyRow struct {
	*gateway.RetryPolicy
	Rules string
}

// routingData is the routing page's Data.
type routingData struct {
	Namespaces []string
	Bindings   []*gateway.Binding
	Pager      pager
	Filter     string
	Providers  []*gateway.Provider
	Names      map[string]string // provider names by ID
	Policies   []policyRow
}

// routing shows the namespaces in use, the bindings (filtered by
// namespace, model or provider and paged) and the retry policies, with
// forms to add and remove them.
func (u *UI) routing(w http.ResponseWriter, r *http.Request, s *session) {
	u.renderRouting(w, r, s, &view{})
}

func (u *UI) renderRouting(w http.ResponseWriter, r *http.Request, s *session, v *view) {
	ctx := r.Context()
	bs, err := u.admin.Bindings(ctx)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	ps, err := u.admin.Providers(ctx)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	pols, err := u.admin.Policies(ctx)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	accts, err := u.admin.Accounts(ctx)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	d := routingData{Providers: ps, Names: map[string]string{}, Filter: strings.TrimSpace(r.URL.Query().Get("q"))}
	for _, p := range ps {
		d.Names[p.ID] = p.Name
	}
	ns := map[string]bool{gateway.DefaultNamespace: true}
	for _, a := range accts {
		ns[a.DefaultNamespace] = true
		for _, n := range a.Namespaces {
			ns[n] = true
		}
	}
	var rows []*gateway.Binding
	for _, b := range bs {
		ns[b.Namespace] = true
		if contains(b.Namespace, d.Filter) || contains(b.Model, d.Filter) || contains(d.Names[b.ProviderID], d.Filter) {
			rows = append(rows, b)
		}
	}
	for n := range ns {
		d.Namespaces = append(d.Namespaces, n)
	}
	slices.Sort(d.Namespaces)
	slices.SortFunc(rows, func(a, b *gateway.Binding) int {
		return strings.Compare(a.Namespace+"\x00"+a.Model, b.Namespace+"\x00"+b.Model)
	})
	var lo, hi int
	d.Pager, lo, hi = newPager(r, len(rows), "q="+url.QueryEscape(d.Filter))
	d.Bindings = rows[lo:hi]
	for _, p := range pols {
		d.Policies = append(d.Policies, policyRow{RetryPolicy: p, Rules: rulesText(p.Rules)})
	}
	v.Title, v.Nav, v.Session, v.Data = "Routing", "routing", s, d
	code := http.StatusOK
	if len(v.Errors) > 0 || v.Error != "" {
		code = http.StatusUnprocessableEntity
	}
	u.render(w, r, code, "routing", v)
}

// createBinding adds a binding: a model pattern of a namespace routed to
// a provider.
func (u *UI) createBinding(w http.ResponseWriter, r *http.Request, s *session) {
	prio, err := intField(r, "priority")
	var weight int64
	if err == nil {
		weight, err = intField(r, "weight")
	}
	if err == nil {
		_, err = u.admin.CreateBinding(r.Context(), &gateway.Binding{
			Namespace: strings.TrimSpace(r.PostFormValue("namespace")), Model: strings.TrimSpace(r.PostFormValue("model")),
			ProviderID: r.PostFormValue("provider_id"), UpstreamModel: strings.TrimSpace(r.PostFormValue("upstream_model")),
			Priority: int(prio), Weight: int(weight),
		})
	}
	if err != nil {
		v := &view{Form: r.PostForm}
		u.formError(v, err, bindingFields...)
		u.renderRouting(w, r, s, v)
		return
	}
	u.redirect(w, r, "/routing?flash="+url.QueryEscape("Binding added."))
}

// deleteBinding removes a binding.
func (u *UI) deleteBinding(w http.ResponseWriter, r *http.Request, s *session) {
	if err := u.admin.DeleteBinding(r.Context(), r.PathValue("id")); err != nil {
		u.failErr(w, r, s, err)
		return
	}
	u.redirect(w, r, "/routing?flash="+url.QueryEscape("Binding removed."))
}

// putPolicy creates or replaces a retry policy from its name, priority
// and rules (JSON).
func (u *UI) putPolicy(w http.ResponseWriter, r *http.Request, s *session) {
	prio, err := intField(r, "policy_priority")
	var rules []gateway.RetryRule
	if err == nil {
		rules, err = parseRules(r.PostFormValue("rules"))
	}
	if err == nil {
		_, err = u.admin.PutPolicy(r.Context(), &gateway.RetryPolicy{
			Name: strings.TrimSpace(r.PostFormValue("policy_name")), Priority: int(prio), Rules: rules})
	}
	if err != nil {
		v := &view{Form: r.PostForm} // the binding form has a priority too
		u.formError(v, renameField(err, map[string]string{"name": "policy_name", "priority": "policy_priority"}), policyFields...)
		u.renderRouting(w, r, s, v)
		return
	}
	u.redirect(w, r, "/routing?flash="+url.QueryEscape("Policy saved."))
}

// deletePolicy removes a retry policy.
func (u *UI) deletePolicy(w http.ResponseWriter, r *http.Request, s *session) {
	if err := u.admin.DeletePolicy(r.Context(), r.PathValue("name")); err != nil {
		u.failErr(w, r, s, err)
		return
	}
	u.redirect(w, r, "/routing?flash="+url.QueryEscape("Policy removed."))
}

// parseRules reads the policy form's JSON rules.
func parseRules(text string) ([]gateway.RetryRule, error) {
	var in []ruleJSON
	if err := json.Unmarshal([]byte(text), &in); err != nil {
		return nil, gateway.Invalid("rules", "rules must be a JSON list of rules: %v", err)
	}
	out := make([]gateway.RetryRule, 0, len(in))
	for _, x := range in {
		rule := gateway.RetryRule{Statuses: x.Statuses, Types: x.Types, Contains: x.Contains, Regexp: x.Regexp,
			Action: x.Action, MaxRetries: x.MaxRetries}
		for _, d := range []struct {
			text string
			dst  *time.Duration
		}{{x.Backoff, &rule.Backoff}, {x.DisableFor, &rule.DisableFor}} {
			if d.text == "" {
				continue
			}
			var err error
			if *d.dst, err = time.ParseDuration(d.text); err != nil {
				return nil, gateway.Invalid("rules", "backoff and disable_for must be durations such as 1s or 5m")
			}
		}
		out = append(out, rule)
	}
	return out, nil
}

// rulesText writes rules as the policy form reads them.
func rulesText(rules []gateway.RetryRule) string {
	out := make([]ruleJSON, 0, len(rules))
	for _, x := range rules {
		j := ruleJSON{Statuses: x.Statuses, Types: x.Types, Contains: x.Contains, Regexp: x.Regexp, Action: x.Action, MaxRetries: x.MaxRetries}
		if x.Backoff > 0 {
			j.Backoff = x.Backoff.String()
		}
		if x.DisableFor > 0 {
			j.DisableFor = x.DisableFor.String()
		}
		out = append(out, j)
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	return string(b)
}
