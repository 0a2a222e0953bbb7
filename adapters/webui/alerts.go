package webui

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// thresholdFields are the thresholds form's fields.
var thresholdFields = []string{"gateway_rps", "account_rpm", "account_tpm", "account_rpd", "account_tpd",
	"error_rate_percent", "error_window", "min_requests", "low_balance", "spill"}

// alertsData is the alerts page's Data.
type alertsData struct {
	Alerts     []*gateway.Alert
	Counts     []gateway.AlertCount
	Filter     url.Values
	More       template.URL // the query that shows more (url.Values.Encode's), "" when all are shown
	Statuses   []gateway.AlertStatus
	Severities []gateway.Severity
	Thresholds gateway.AlertThresholds
}

// alerts lists alerts, last seen first, filtered by status, severity and
// type; "show more" raises the limit. Each can be acknowledged, resolved,
// dismissed or opened again; the detectors' thresholds are edited below.
func (u *UI) alerts(w http.ResponseWriter, r *http.Request, s *session) {
	u.renderAlerts(w, r, s, &view{})
}

func (u *UI) renderAlerts(w http.ResponseWriter, r *http.Request, s *session, v *view) {
	ctx := r.Context()
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	limit = max(pageSize, min(limit, 1000))
	f := gateway.AlertFilter{Status: gateway.AlertStatus(q.Get("status")), Severity: gateway.Severity(q.Get("severity")),
		Type: strings.TrimSpace(q.Get("type")), Limit: limit + 1}
	list, err := u.admin.Alerts(ctx, f)
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	d := alertsData{Filter: q,
		Statuses:   []gateway.AlertStatus{gateway.AlertOpen, gateway.AlertAcknowledged, gateway.AlertResolved, gateway.AlertDismissed},
		Severities: []gateway.Severity{gateway.SeverityInfo, gateway.SeverityWarning, gateway.SeverityCritical}}
	if len(list) > limit {
		list = list[:limit]
		more := url.Values{}
		for k, v := range q {
			more[k] = v
		}
		more.Set("limit", strconv.Itoa(limit*2))
		d.More = template.URL(more.Encode())
	}
	d.Alerts = list
	if d.Counts, err = u.admin.AlertCounts(ctx); err != nil {
		u.failErr(w, r, s, err)
		return
	}
	if d.Thresholds, err = u.admin.AlertThresholds(ctx); err != nil {
		u.failErr(w, r, s, err)
		return
	}
	v.Title, v.Nav, v.Session, v.Data = "Alerts", "alerts", s, d
	code := http.StatusOK
	if len(v.Errors) > 0 || v.Error != "" {
		code = http.StatusUnprocessableEntity
	}
	u.render(w, r, code, "alerts", v)
}

// alertStatus acknowledges, resolves, dismisses or reopens an alert.
func (u *UI) alertStatus(w http.ResponseWriter, r *http.Request, s *session) {
	al, err := u.admin.SetAlertStatus(r.Context(), r.PathValue("id"), gateway.AlertStatus(r.PostFormValue("status")))
	if err != nil {
		u.failErr(w, r, s, err)
		return
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "?") {
		back = ""
	}
	u.redirect(w, r, "/alerts"+back+sep(back)+"flash="+url.QueryEscape("Alert “"+al.Title+"” is "+string(al.Status)+"."))
}

// putThresholds replaces the alert detectors' thresholds.
func (u *UI) putThresholds(w http.ResponseWriter, r *http.Request, s *session) {
	var t gateway.AlertThresholds
	var err error
	for _, f := range []struct {
		name string
		dst  *int64
	}{
		{"gateway_rps", &t.GatewayRPS}, {"account_rpm", &t.AccountRPM}, {"account_tpm", &t.AccountTPM},
		{"account_rpd", &t.AccountRPD}, {"account_tpd", &t.AccountTPD}, {"error_rate_percent", &t.ErrorRatePercent},
		{"min_requests", &t.MinRequests},
	} {
		if *f.dst, err = intField(r, f.name); err != nil {
			break
		}
	}
	if err == nil {
		t.LowBalance, err = creditsField(r, "low_balance")
	}
	if err == nil {
		if win := strings.TrimSpace(r.PostFormValue("error_window")); win != "" {
			if t.ErrorWindow, err = time.ParseDuration(win); err != nil {
				err = gateway.Invalid("error_window", "error_window must be a duration such as 5m")
			}
		}
	}
	t.Spill = r.PostFormValue("spill") == "on"
	if err == nil {
		_, err = u.admin.PutAlertThresholds(r.Context(), t)
	}
	if err != nil {
		v := &view{Form: r.PostForm}
		u.formError(v, err, thresholdFields...)
		u.renderAlerts(w, r, s, v)
		return
	}
	u.redirect(w, r, "/alerts?flash="+url.QueryEscape("Thresholds saved."))
}

// sep is the separator before another query parameter.
func sep(query string) string {
	if query == "" {
		return "?"
	}
	return "&"
}
