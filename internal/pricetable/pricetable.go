package pricetable

import (
	_ "embed"
	"sync"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Checked is the date, YYYY-MM-DD, the prices were last checked against
// the providers' pages. prices.json carries the same date and fails to
// load if the two disagree, so a refresh updates both.
const Checked = "2026-11-24"

//go:embed prices.json
var pricesJSON []byte

// table is the decoded prices.json, built on first use and then shared
// read-only; Models and Lookup hand out copies.
var table = sync.OnceValue(func() *index {
	models := mustParse(pricesJSON)
	byName := make(map[string]int, 2*len(models))
	for i, m := range models {
		byName[m.Name] = i
		for _, a := range m.Aliases {
			byName[a] = i
		}
	}
	return &index{models: models, byName: byName}
})

// index is the table with its names and aliases resolved.
type index struct {
	models []gateway.Model
	byName map[string]int
}

// Models returns the table's models (copies), by name. Callers may change
// what they get back without affecting the table; a host seeds its model
// catalog from it.
func Models() []gateway.Model {
	t := table()
	out := make([]gateway.Model, len(t.models))
	for i, m := range t.models {
		out[i] = clone(m)
	}
	return out
}

// Lookup returns the model called name (or one of its aliases), matching
// exactly, so that a dated snapshot resolves to its family's prices.
func Lookup(name string) (gateway.Model, bool) {
	t := table()
	i, ok := t.byName[name]
	if !ok {
		return gateway.Model{}, false
	}
	return clone(t.models[i]), true
}

// clone copies m so that its Aliases slice is not shared with the table.
func clone(m gateway.Model) gateway.Model {
	if m.Aliases != nil {
		m.Aliases = append([]string(nil), m.Aliases...)
	}
	return m
}
