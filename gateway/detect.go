package gateway

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// AlertThresholds say when the detectors open alerts; a zero threshold
// turns its detector off. Each rate alert is a warning at its threshold
// and critical at twice it, and is resolved by the first run that finds
// the figure below the threshold again.
type AlertThresholds struct {
	// GatewayRPS is requests per second over the whole gateway, averaged
	// over the last complete minute.
	GatewayRPS int64
	// AccountRPM and AccountTPM are one account's requests and tokens in
	// the last complete minute; AccountRPD and AccountTPD its requests
	// and tokens in the current day (UTC) so far.
	AccountRPM, AccountTPM, AccountRPD, AccountTPD int64
	// ErrorRatePercent is the share of a provider's requests that failed
	// over ErrorWindow, in percent (1-100); critical at twice it, or at
	// 100% when that is more.
	ErrorRatePercent int64
	// ErrorWindow is the span the error rate is measured over. Default
	// 5m.
	ErrorWindow time.Duration
	// MinRequests is how many requests a provider must have served in the
	// window before its error rate is judged, so that one failure out of
	// two is not an outage. Default 20.
	MinRequests int64
	// Spill opens an alert while an instance holds request records in its
	// spill file, which means the Store is not taking them.
	Spill bool
	// LowBalance opens an alert for a prepaid account whose available
	// credits (balance less holds) fall below it, in micros: a warning,
	// critical when they fall below a tenth of it.
	LowBalance Micros
}

// Validate reports the first field at fault as a CodeInvalid error.
func (t *AlertThresholds) Validate() error {
	for name, v := range map[string]int64{"gateway_rps": t.GatewayRPS, "account_rpm": t.AccountRPM, "account_tpm": t.AccountTPM,
		"account_rpd": t.AccountRPD, "account_tpd": t.AccountTPD, "min_requests": t.MinRequests} {
		if v < 0 {
			return Invalid(name, "%s must not be negative", name)
		}
	}
	if t.ErrorRatePercent < 0 || t.ErrorRatePercent > 100 {
		return Invalid("error_rate_percent", "error_rate_percent must be between 0 and 100")
	}
	if t.LowBalance < 0 {
		return Invalid("low_balance", "low_balance must not be negative")
	}
	if t.ErrorWindow < 0 || t.ErrorWindow > 24*time.Hour {
		return Invalid("error_window", "error_window must be between 0 and 24h")
	}
	return nil
}

func (t AlertThresholds) withDefaults() AlertThresholds {
	if t.ErrorWindow <= 0 {
		t.ErrorWindow = 5 * time.Minute
	}
	if t.MinRequests <= 0 {
		t.MinRequests = 20
	}
	return t
}

// The alert types the detectors open.
const (
	AlertTrafficSpike = "traffic_spike"
	AlertErrorRate    = "error_rate"
	AlertSpill        = "spill_in_use"
	AlertLowBalance   = "low_balance"
	AlertBreakerOpen  = "breaker_open"
	AlertCredential   = "credential_invalid"
)

// finding is what one detector measured for one subject: an alert to
// report, or nil when the figure is under its threshold.
type finding struct {
	fingerprint string
	alert       *Alert
}

// DetectAlerts runs the detectors once: the spill check on this instance,
// then, on the one instance that takes this minute's turn (a counter in
// the Cache), the traffic and error-rate checks. Hosts call it on a
// schedule (see RunDetectors); tests call it after moving the clock.
func (g *Gateway) DetectAlerts(ctx context.Context) error {
	if g.snapshot() == nil {
		return nil // not started
	}
	t := g.alertThresholds().withDefaults()
	now := g.clock.Now()
	if err := g.meter.flush(ctx, g.cache); err != nil {
		return err
	}
	findings := []finding{g.detectSpill(t)}
	turn, err := g.cache.Incr(ctx, "detect:{turn}:"+strconv.FormatInt(now.Unix()/60, 10), 1, 2*time.Minute)
	if err != nil {
		return err
	}
	var errs []error
	if turn == 1 {
		traffic, err := g.detectTraffic(ctx, t, now)
		errs = append(errs, err)
		findings = append(findings, traffic...)
		rates, err := g.detectErrorRates(ctx, t, now)
		errs = append(errs, err)
		findings = append(findings, rates...)
		low, err := g.detectLowBalances(ctx, t)
		errs = append(errs, err)
		findings = append(findings, low...)
		findings = append(findings, g.detectOpenBreakers()...)
		creds, err := g.detectInvalidCredentials(ctx)
		errs = append(errs, err)
		findings = append(findings, creds...)
	}
	return errors.Join(append(errs, g.apply(ctx, findings))...)
}

// RunDetectors calls DetectAlerts every interval until ctx ends, logging
// its errors.
func (g *Gateway) RunDetectors(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		rctx, cancel := context.WithTimeout(ctx, interval)
		if err := g.DetectAlerts(rctx); err != nil {
			g.cfg.Logger.Warn("alert detectors", "err", err)
		}
		cancel()
	}
}

// alertThresholds returns the thresholds in force.
func (g *Gateway) alertThresholds() AlertThresholds {
	if s := g.snapshot().settings; s != nil {
		return s.Alerts
	}
	return g.cfg.Alerts
}

func (g *Gateway) detectSpill(t AlertThresholds) finding {
	f := finding{fingerprint: AlertSpill + "|instance:" + g.instance}
	if n := g.rec.Spilled(); t.Spill && n > 0 {
		f.alert = &Alert{Type: AlertSpill, Severity: SeverityWarning, Subject: "instance:" + g.instance,
			Title:   "Request records are spilling to disk",
			Message: fmt.Sprintf("%d request records wait in the spill file: the Store is not taking them", n),
			Details: AlertDetails{Metric: "spilled_records", Value: float64(n), Threshold: 1}}
	}
	return f
}

// detectTraffic judges the gateway's and each account's traffic.
func (g *Gateway) detectTraffic(ctx context.Context, t AlertThresholds, now time.Time) ([]finding, error) {
	lastMinute := now.Truncate(time.Minute).Add(-time.Minute)
	read := func(account, kind, window string, width time.Duration, at time.Time) (int64, error) {
		return g.cache.Incr(ctx, realtimeKey(account, kind, window, width, at), 0, 0)
	}
	var out []finding
	if t.GatewayRPS > 0 {
		n, err := read(allAccounts, "r", "m", time.Minute, lastMinute)
		if err != nil {
			return nil, err
		}
		out = append(out, judge(AlertTrafficSpike, "gateway", "gateway_rps", float64(n)/60, float64(t.GatewayRPS), time.Minute,
			"Gateway traffic spike"))
	}
	checks := []struct {
		metric, kind, window string
		width, span          time.Duration
		at                   time.Time
		threshold            int64
	}{
		{"account_rpm", "r", "m", time.Minute, time.Minute, lastMinute, t.AccountRPM},
		{"account_tpm", "t", "m", time.Minute, time.Minute, lastMinute, t.AccountTPM},
		{"account_rpd", "r", "d", 24 * time.Hour, 24 * time.Hour, now, t.AccountRPD},
		{"account_tpd", "t", "d", 24 * time.Hour, 24 * time.Hour, now, t.AccountTPD},
	}
	for _, acct := range g.snapshot().accounts {
		for _, c := range checks {
			if c.threshold <= 0 {
				continue
			}
			n, err := read(acct.ID, c.kind, c.window, c.width, c.at)
			if err != nil {
				return out, err
			}
			f := judge(AlertTrafficSpike, "account:"+acct.ID, c.metric, float64(n), float64(c.threshold), c.span,
				"Traffic spike on account "+acct.Name)
			out = append(out, f)
		}
	}
	return out, nil
}

// detectErrorRates judges each provider's share of failed requests.
func (g *Gateway) detectErrorRates(ctx context.Context, t AlertThresholds, now time.Time) ([]finding, error) {
	if t.ErrorRatePercent <= 0 {
		return nil, nil
	}
	until := now.Truncate(time.Minute)
	points, err := g.store.QueryStats(ctx, StatsQuery{Since: until.Add(-t.ErrorWindow), Until: until, GroupBy: GroupByProvider})
	if err != nil {
		return nil, err
	}
	sums := make(map[string]StatCounts)
	for _, p := range points {
		c := sums[p.Group]
		c.Add(p.StatCounts)
		sums[p.Group] = c
	}
	var out []finding
	for _, tg := range g.snapshot().ordered {
		p := tg.provider
		c := sums[p.ID]
		f := finding{fingerprint: AlertErrorRate + "|provider:" + p.ID}
		if c.Requests >= t.MinRequests {
			rate := float64(c.Failures) * 100 / float64(c.Requests)
			f = judge(AlertErrorRate, "provider:"+p.ID, "error_rate_percent", rate, float64(t.ErrorRatePercent), t.ErrorWindow,
				"High error rate on provider "+p.Name)
			if f.alert != nil && rate >= 100 {
				f.alert.Severity = SeverityCritical // nothing gets through: as bad as it gets
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// detectOpenBreakers reports every provider whose circuit breaker is
// open or probing; always on, as an open breaker always matters.
func (g *Gateway) detectOpenBreakers() []finding {
	var out []finding
	for _, t := range g.snapshot().ordered {
		p := t.provider
		st := g.breakers.get(p).state(p.ID, p.Name)
		f := finding{fingerprint: AlertBreakerOpen + "|provider:" + p.ID}
		if st.State != "closed" {
			f.alert = &Alert{Type: AlertBreakerOpen, Severity: SeverityCritical, Subject: "provider:" + p.ID, Fingerprint: f.fingerprint,
				Title:   "Circuit breaker open on provider " + p.Name,
				Message: fmt.Sprintf("%d of %d requests failed in the last minute; requests skip the provider until it recovers", st.Failures, st.Requests),
				Details: AlertDetails{Metric: "failure_rate", Value: st.FailureRate, Threshold: float64(st.Settings.FailurePercent) / 100, Window: breakerWindow}}
		}
		out = append(out, f)
	}
	return out
}

// detectInvalidCredentials reports every credential the provider
// refused (invalid); always on: requests no longer use it until an admin
// acts.
func (g *Gateway) detectInvalidCredentials(ctx context.Context) ([]finding, error) {
	cs, err := g.store.ListCredentials(ctx, CredentialFilter{})
	if err != nil {
		return nil, err
	}
	var out []finding
	for _, c := range cs {
		f := finding{fingerprint: AlertCredential + "|credential:" + c.ID}
		if c.Status == StatusInvalid {
			f.alert = &Alert{Type: AlertCredential, Severity: SeverityWarning, Subject: "credential:" + c.ID, Fingerprint: f.fingerprint,
				Title:   "Credential " + c.Name + " was invalidated",
				Message: c.StatusReason + "; it is not used until an admin enables it"}
		}
		out = append(out, f)
	}
	return out, nil
}

// detectLowBalances judges each prepaid account's available credits.
func (g *Gateway) detectLowBalances(ctx context.Context, t AlertThresholds) ([]finding, error) {
	if t.LowBalance <= 0 {
		return nil, nil
	}
	snap := g.snapshot()
	var out []finding
	for _, acct := range snap.accounts {
		if !acct.Prepaid {
			continue
		}
		f, err := g.cache.GetFunds(ctx, acct.ID)
		if err != nil {
			return out, err
		}
		if !f.Known {
			f.Balance = snap.balances[acct.ID]
		}
		available := f.Balance - f.Held
		fd := finding{fingerprint: AlertLowBalance + "|account:" + acct.ID}
		if available < t.LowBalance {
			sev := SeverityWarning
			if available < t.LowBalance/10 {
				sev = SeverityCritical
			}
			fd.alert = &Alert{Type: AlertLowBalance, Severity: sev, Subject: "account:" + acct.ID, Fingerprint: fd.fingerprint,
				Title:   "Low credit balance on account " + acct.Name,
				Message: fmt.Sprintf("%s credits are available, below the threshold of %s", available.String(), t.LowBalance.String()),
				Details: AlertDetails{Metric: "available_micros", Value: float64(available), Threshold: float64(t.LowBalance)}}
		}
		out = append(out, fd)
	}
	return out, nil
}

// judge compares value with threshold: under it, a finding that resolves
// the subject's alert; at it a warning; at twice it critical.
func judge(typ, subject, metric string, value, threshold float64, window time.Duration, title string) finding {
	f := finding{fingerprint: typ + "|" + subject + "|" + metric}
	if value < threshold {
		return f
	}
	sev := SeverityWarning
	if value >= 2*threshold {
		sev = SeverityCritical
	}
	f.alert = &Alert{Type: typ, Severity: sev, Subject: subject, Fingerprint: f.fingerprint, Title: title,
		Message: fmt.Sprintf("%s is %s, at or above the threshold of %s", metric, strconv.FormatFloat(value, 'f', -1, 64),
			strconv.FormatFloat(threshold, 'f', -1, 64)),
		Details: AlertDetails{Metric: metric, Value: value, Threshold: threshold, Window: window}}
	return f
}

// apply reports the findings with an alert, and resolves the open alerts
// of the findings without one.
func (g *Gateway) apply(ctx context.Context, findings []finding) error {
	active, err := g.activeDetectorAlerts(ctx)
	if err != nil {
		return err
	}
	admin := &Admin{g: g}
	var errs []error
	for _, f := range findings {
		if f.alert != nil {
			if f.alert.Fingerprint == "" {
				f.alert.Fingerprint = f.fingerprint
			}
			_, _, err := admin.ReportAlert(ctx, f.alert)
			errs = append(errs, err)
			continue
		}
		for _, a := range active[f.fingerprint] {
			_, err := g.store.SetAlertStatus(ctx, a.ID, AlertResolved)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// activeDetectorAlerts returns the open and acknowledged alerts of the
// detectors' types by fingerprint.
func (g *Gateway) activeDetectorAlerts(ctx context.Context) (map[string][]*Alert, error) {
	out := make(map[string][]*Alert)
	for _, typ := range []string{AlertTrafficSpike, AlertErrorRate, AlertSpill, AlertLowBalance, AlertBreakerOpen, AlertCredential} {
		for _, st := range []AlertStatus{AlertOpen, AlertAcknowledged} {
			as, err := g.store.ListAlerts(ctx, AlertFilter{Type: typ, Status: st, Limit: 10000})
			if err != nil {
				return nil, err
			}
			for _, a := range as {
				out[a.Fingerprint] = append(out[a.Fingerprint], a)
			}
		}
	}
	return out, nil
}
