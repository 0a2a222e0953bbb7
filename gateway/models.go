package gateway

import (
	"sort"
	"strings"
)

// Models lists the models the caller can use: the catalog's, and the
// literal names in the model lists of the providers that serve its
// namespace, each at most once, by name.
func (g *Gateway) Models(c *Caller) []ModelInfo {
	s := g.snapshot()
	seen := make(map[string]bool)
	var out []ModelInfo
	add := func(name, owner string, created int64) {
		if seen[name] || !c.Key.AllowsModel(name) {
			return
		}
		if _, chain := s.resolve(c.Namespace, name); len(chain) == 0 {
			return
		}
		seen[name] = true
		out = append(out, ModelInfo{ID: name, Object: "model", Created: created, OwnedBy: owner})
	}
	for _, m := range s.catalog {
		owner := m.OwnedBy
		if owner == "" {
			owner = "tollgate"
		}
		add(m.Name, owner, m.CreatedAt.Unix())
	}
	for _, t := range s.ordered {
		for _, m := range t.provider.Models {
			if !strings.ContainsAny(m, "*?[\\") {
				add(m, t.provider.Name, t.provider.CreatedAt.Unix())
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
