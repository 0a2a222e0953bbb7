package webui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// credentialFields are the add-credential form's fields.
var credentialFields = []string{"cred_name", "key", "weight"}

// addCredential adds one credential to a provider.
func (u *UI) addCredential(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	weight, err := intField(r, "weight")
	if err == nil {
		c := &gateway.Credential{Name: strings.TrimSpace(r.PostFormValue("cred_name")),
			Secret: gateway.Secret(strings.TrimSpace(r.PostFormValue("key"))), Weight: int(weight)}
		if c.Secret == "" {
			err = gateway.Invalid("key", "enter the provider's API key")
		} else {
			_, err = u.admin.AddCredentials(r.Context(), id, []*gateway.Credential{c})
		}
	}
	if err != nil {
		v := &view{Form: r.PostForm}
		u.formError(v, err, credentialFields...)
		u.renderProvider(w, r, s, v)
		return
	}
	u.redirect(w, r, "/providers/"+url.PathEscape(id)+"?flash="+url.QueryEscape("Credential added."))
}

// updateCredential enables or disables a credential by hand, or changes
// its weight, as the form's action says.
func (u *UI) updateCredential(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	id := r.PathValue("id")
	var (
		c   *gateway.Credential
		err error
	)
	switch r.PostFormValue("action") {
	case "enable":
		c, err = u.admin.SetCredentialStatus(ctx, id, gateway.StatusActive, "enabled in the dashboard")
	case "disable":
		c, err = u.admin.SetCredentialStatus(ctx, id, gateway.StatusDisabled, "disabled in the dashboard")
	case "weight":
		var n int64
		if n, err = intField(r, "weight"); err == nil {
			wt := int(n)
			c, err = u.admin.UpdateCredential(ctx, id, gateway.CredentialUpdate{Weight: &wt})
		}
	default:
		err = gateway.Invalid("action", "unknown action")
	}
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	u.redirect(w, r, "/providers/"+url.PathEscape(c.ProviderID)+"?flash="+url.QueryEscape("Credential "+c.Name+" is "+string(c.Status)+", weight "+strconv.Itoa(c.Weight)+"."))
}

// deleteCredential removes a credential; the form names its provider, to
// come back to.
func (u *UI) deleteCredential(w http.ResponseWriter, r *http.Request, s *session) {
	if err := u.admin.DeleteCredential(r.Context(), r.PathValue("id")); err != nil {
		u.failErr(w, r, s, err)
		return
	}
	u.redirect(w, r, "/providers/"+url.PathEscape(r.PostFormValue("provider"))+"?flash="+url.QueryEscape("Credential removed."))
}

// validateProvider checks every credential of a provider against it (a
// models list) in the background, and sends the browser to the run's
// progress page.
func (u *UI) validateProvider(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	if _, err := u.admin.Breaker(id); err != nil { // only active providers validate
		v := &view{}
		u.formError(v, gateway.Errorf(gateway.CodeInvalid, "only an active provider can validate its credentials"))
		u.renderProvider(w, r, s, v)
		return
	}
	j, jobID := u.jobs.start("validate", id)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		run, err := u.admin.ValidateProvider(ctx, id, gateway.ValidateOptions{}, j.progress)
		j.finish(func(j *job) {
			j.Run = run
			if err != nil {
				j.Err = gateway.ErrorMessage(err)
				u.cfg.Logger.Error("webui: validate credentials", "provider", id, "err", err)
			}
		})
	}()
	u.redirect(w, r, "/providers/"+url.PathEscape(id)+"/jobs/"+jobID)
}

// startImport adds many secrets (one a line) to a provider in the
// background, and sends the browser to the job's progress page.
func (u *UI) startImport(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	secrets := strings.Split(r.PostFormValue("secrets"), "\n")
	weight, err := intField(r, "import_weight")
	if err == nil && strings.TrimSpace(r.PostFormValue("secrets")) == "" {
		err = gateway.Invalid("secrets", "paste one key a line")
	}
	if err == nil {
		_, err = u.admin.Provider(r.Context(), id)
	}
	if err != nil {
		v := &view{Form: r.PostForm}
		u.formError(v, err, "secrets", "import_weight")
		u.renderProvider(w, r, s, v)
		return
	}
	j, jobID := u.jobs.start("import", id)
	j.Total = len(secrets)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		res, err := u.admin.ImportCredentials(ctx, id, secrets, int(weight), j.progress)
		j.finish(func(j *job) {
			j.Result = res
			if err != nil {
				j.Err = gateway.ErrorMessage(err)
				u.cfg.Logger.Error("webui: import credentials", "provider", id, "err", err)
			}
		})
	}()
	u.redirect(w, r, "/providers/"+url.PathEscape(id)+"/jobs/"+jobID)
}

// jobProgress shows how far an import or a validation is; the page
// reloads itself until the job is done, then shows its outcome.
func (u *UI) jobProgress(w http.ResponseWriter, r *http.Request, s *session) {
	snap, ok := u.jobs.get(r.PathValue("job"), r.PathValue("id"))
	if !ok {
		u.fail(w, r, s, http.StatusNotFound, "There is no such job (jobs are kept an hour, on the instance that ran them).")
		return
	}
	title := "Importing credentials"
	if snap.Kind == "validate" {
		title = "Validating credentials"
	}
	u.render(w, r, http.StatusOK, "job", &view{Title: title, Nav: "providers", Session: s, Data: snap})
}
