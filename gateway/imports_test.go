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
