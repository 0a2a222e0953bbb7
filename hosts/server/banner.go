package main

import (
	"sort"

	"github.com/tollgate-ai/tollgate/internal/compose"
)

// logStart logs, before anything is opened, what this server is and what
// it runs on: its build, where its configuration came from (defaults, the
// file, the names of the TOLLGATE_* variables set, never their values),
// and the adapters in use (store, cache, provider drivers, notifiers).
func (m *Main) logStart() {
	b := Build()
	drivers := make([]string, 0, 8)
	for name := range compose.ProvideDrivers() {
		drivers = append(drivers, name)
	}
	sort.Strings(drivers)
	attrs := []any{"version", b.Version, "commit", b.Commit, "built", b.Time, "go", b.GoVersion}
	attrs = append(attrs, m.Config.Describe()...)
	attrs = append(attrs, "providers", drivers)
	m.logger.Info("tollgate starting", attrs...)
}
