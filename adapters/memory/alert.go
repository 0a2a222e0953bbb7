package memory

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// defaultAlertLimit is how many alerts ListAlerts returns when the
// filter sets no Limit.
const defaultAlertLimit = 100

// ReportAlert records a sighting of a at now: it updates the latest open
// or acknowledged alert with a.Fingerprint if it was last seen within
// cooldown of now, and stores a copy of a as a new alert otherwise.
func (s *Store) ReportAlert(_ context.Context, a *gateway.Alert, now time.Time, cooldown time.Duration) (*gateway.Alert, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var latest *gateway.Alert
	for _, v := range s.alerts {
		if v.Fingerprint != a.Fingerprint || (v.Status != gateway.AlertOpen && v.Status != gateway.AlertAcknowledged) {
			continue
		}
		if latest == nil || newestFirst(v, latest) < 0 {
			latest = v
		}
	}
	if latest != nil && !now.After(latest.LastSeen.Add(cooldown)) {
		latest.LastSeen = now
		latest.Count++
		if severityRank(a.Severity) > severityRank(latest.Severity) {
			latest.Severity = a.Severity
		}
		latest.Details, latest.Title, latest.Message = a.Details, a.Title, a.Message
		return copyAlert(latest), false, nil
	}
	c := copyAlert(a)
	s.alerts[c.ID] = c
	return copyAlert(c), true, nil
}

// GetAlert returns the alert. CodeNotFound if there is none.
func (s *Store) GetAlert(_ context.Context, id string) (*gateway.Alert, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.alerts[id]
	if !ok {
		return nil, alertNotFound(id)
	}
	return copyAlert(a), nil
}

// ListAlerts returns the alerts that match f, last seen first, then by
// ID descending.
func (s *Store) ListAlerts(_ context.Context, f gateway.AlertFilter) ([]*gateway.Alert, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keep := func(a *gateway.Alert) bool {
		return (f.Status == "" || a.Status == f.Status) &&
			(f.Severity == "" || a.Severity == f.Severity) &&
			(f.Type == "" || a.Type == f.Type)
	}
	out := listOf(s.alerts, keep, copyAlert, newestFirst)
	limit := f.Limit
	if limit <= 0 {
		limit = defaultAlertLimit
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// SetAlertStatus changes an alert's status. CodeNotFound if there is
// none.
func (s *Store) SetAlertStatus(_ context.Context, id string, status gateway.AlertStatus) (*gateway.Alert, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.alerts[id]
	if !ok {
		return nil, alertNotFound(id)
	}
	a.Status = status
	return copyAlert(a), nil
}

// CountAlerts returns how many alerts there are by status and severity,
// ordered by status, then severity (as text), leaving out zeros.
func (s *Store) CountAlerts(_ context.Context) ([]gateway.AlertCount, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	type group struct {
		status   gateway.AlertStatus
		severity gateway.Severity
	}
	counts := make(map[group]int64)
	for _, a := range s.alerts {
		counts[group{a.Status, a.Severity}]++
	}
	out := make([]gateway.AlertCount, 0, len(counts))
	for g, n := range counts {
		out = append(out, gateway.AlertCount{Status: g.status, Severity: g.severity, Count: n})
	}
	slices.SortFunc(out, func(a, b gateway.AlertCount) int {
		if c := cmp.Compare(a.Status, b.Status); c != 0 {
			return c
		}
		return cmp.Compare(a.Severity, b.Severity)
	})
	return out, nil
}

// newestFirst orders alerts by LastSeen, latest first, then by ID
// descending.
func newestFirst(a, b *gateway.Alert) int {
	if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// severityRank orders severities from least to most urgent; an unknown
// one ranks lowest.
func severityRank(s gateway.Severity) int {
	switch s {
	case gateway.SeverityInfo:
		return 1
	case gateway.SeverityWarning:
		return 2
	case gateway.SeverityCritical:
		return 3
	}
	return 0
}

func alertNotFound(id string) error {
	return gateway.Errorf(gateway.CodeNotFound, "alert %q not found", id)
}

func copyAlert(a *gateway.Alert) *gateway.Alert {
	c := *a
	c.Deliveries = slices.Clone(a.Deliveries)
	return &c
}

// AddAlertDeliveries appends ds to the alert's deliveries, keeping the
// last gateway.MaxAlertDeliveries. CodeNotFound if there is no alert.
func (s *Store) AddAlertDeliveries(_ context.Context, id string, ds []gateway.AlertDelivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.alerts[id]
	if !ok {
		return gateway.Errorf(gateway.CodeNotFound, "alert %q not found", id)
	}
	a.Deliveries = gateway.KeepDeliveries(append(slices.Clone(a.Deliveries), ds...))
	return nil
}
