package gateway_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps the core pure (DESIGN.md, rule 1): gateway imports the
// standard library, golang.org/x/time/rate and sony/gobreaker/v2, nothing
// else; a dependency it wants belongs behind a port.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := []string{
		"github.com/tollgate-ai/tollgate/gateway",
		"golang.org/x/time/",
		"github.com/sony/gobreaker/v2",
	}
	for _, dep := range strings.Fields(string(out)) {
		ok := false
		for _, a := range allowed {
			if dep == a || strings.HasPrefix(dep, a) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("gateway imports %s; only the standard library, golang.org/x/time and sony/gobreaker/v2 are allowed", dep)
		}
	}
}

// TestAdaptersStandAlone keeps adapters independent (DESIGN.md, rule 2):
// no adapter's non-test code imports another adapter. What two adapters
// share lives under an internal package (providers/internal/...), or in
// the project's internal/.
func TestAdaptersStandAlone(t *testing.T) {
	const prefix = "github.com/tollgate-ai/tollgate/adapters/"
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../adapters/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	// adapter names the adapter a package belongs to: adapters/providers/openai
	// belongs to providers/openai, adapters/httpapi/anthropicapi to httpapi.
	adapter := func(pkg string) string {
		rest := strings.TrimPrefix(pkg, prefix)
		parts := strings.Split(rest, "/")
		if (parts[0] == "providers" || parts[0] == "notify") && len(parts) > 1 {
			if parts[1] == "internal" {
				return "" // shared by the family, by design
			}
			return parts[0] + "/" + parts[1]
		}
		return parts[0]
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		from := adapter(fields[0])
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, prefix) {
				continue
			}
			if to := adapter(imp); to != "" && to != from {
				t.Errorf("%s imports %s: adapters must not depend on each other", fields[0], imp)
			}
		}
	}
}
