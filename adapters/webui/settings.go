package webui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// settingsData is the settings page's Data.
type settingsData struct {
	Settings  *gateway.Settings
	Limits    []valueField
	AnonLimit []valueField
	Models    string
	Namespace string
	PerGrant  string
	PerDay    string
}

// settings shows the gateway-wide settings: default limits, anonymous
// access and the caps on credit grants. (Alert thresholds are edited on
// the alerts page.)
func (u *UI) settings(w http.ResponseWriter, r *http.Request, s *session) {
	u.renderSettings(w, r, s, &view{})
}

func (u *UI) renderSettings(w http.ResponseWriter, r *http.Request, s *session, v *view) {
	st, err := u.admin.Settings(r.Context())
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	d := settingsData{Settings: st, Limits: limitValues(v, "limits.", st.Limits),
		AnonLimit: limitValues(v, "anonymous.limits.", st.Anonymous.Limits),
		Models:    strings.Join(st.Anonymous.Models, ", "), Namespace: st.Anonymous.Namespace,
		PerGrant: st.Grants.PerGrant.String(), PerDay: st.Grants.PerActorPerDay.String()}
	v.Title, v.Nav, v.Session, v.Data = "Settings", "settings", s, d
	code := http.StatusOK
	if len(v.Errors) > 0 || v.Error != "" {
		code = http.StatusUnprocessableEntity
	}
	u.render(w, r, code, "settings", v)
}

// putSettings replaces the settings, keeping the alert thresholds in
// force.
func (u *UI) putSettings(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	st, err := u.admin.Settings(ctx)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	next := *st
	next.Limits, err = limitsFields(r, "limits.")
	if err == nil {
		next.Anonymous.Limits, err = limitsFields(r, "anonymous.limits.")
	}
	next.Anonymous.Models = listField(r, "anonymous.models")
	next.Anonymous.Namespace = strings.TrimSpace(r.PostFormValue("anonymous.namespace"))
	if err == nil {
		next.Grants.PerGrant, err = creditsField(r, "grants.per_grant")
	}
	if err == nil {
		next.Grants.PerActorPerDay, err = creditsField(r, "grants.per_actor_per_day")
	}
	if err == nil {
		_, err = u.admin.PutSettings(ctx, &next)
	}
	if err != nil {
		fields := append(limitFieldNames("limits."), limitFieldNames("anonymous.limits.")...)
		fields = append(fields, "anonymous.models", "anonymous.namespace", "grants.per_grant", "grants.per_actor_per_day")
		v := &view{Form: r.PostForm}
		if e := gateway.AsError(err); e.Field == "anonymous.limits" || e.Field == "grants" {
			v.Error = e.Message // about a group of fields
		} else {
			u.formError(v, err, fields...)
		}
		u.renderSettings(w, r, s, v)
		return
	}
	u.redirect(w, r, "/settings?flash="+url.QueryEscape("Settings saved."))
}
