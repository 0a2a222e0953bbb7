package pricetable

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"

	"github.com/tollgate-ai/tollgate/gateway"
)

// file is the shape of prices.json.
type file struct {
	// Checked is the date the prices were last checked, as YYYY-MM-DD; it
	// must equal the Checked constant, so the two are updated together.
	Checked string  `json:"checked"`
	Models  []entry `json:"models"`
}

// entry is one model in prices.json.
type entry struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases"`
	OwnedBy string   `json:"owned_by"`
	// Embedding marks a model billed on input alone.
	Embedding bool   `json:"embedding"`
	Prices    prices `json:"prices"`
	// Source is the provider's pricing page the prices were read from.
	Source string `json:"source"`
	// Note says which tier the prices are and anything else a reader of
	// the file should know; the decoder only keeps it out of the way.
	Note string `json:"note"`
}

// prices are micros per million tokens. int64 fields make encoding/json
// reject fractions ("2.5") and exponents ("1e6") outright.
type prices struct {
	Input       int64 `json:"input"`
	CachedInput int64 `json:"cached_input"`
	CacheWrite  int64 `json:"cache_write"`
	Output      int64 `json:"output"`
	Reasoning   int64 `json:"reasoning"`
	PerRequest  int64 `json:"per_request"`
}

// parse decodes and checks a price table, returning its models by name.
// It rejects unknown fields, non-integer prices, trailing data, a checked
// date other than Checked, and any entry that would bill wrongly.
func parse(r io.Reader) ([]gateway.Model, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("pricetable: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("pricetable: data after the table")
	}
	if f.Checked != Checked {
		return nil, fmt.Errorf("pricetable: checked is %q, want %q", f.Checked, Checked)
	}
	if len(f.Models) == 0 {
		return nil, errors.New("pricetable: no models")
	}
	seen := make(map[string]string)
	models := make([]gateway.Model, 0, len(f.Models))
	for i, e := range f.Models {
		m, err := e.model()
		if err != nil {
			return nil, fmt.Errorf("pricetable: model %d (%q): %w", i, e.Name, err)
		}
		for _, n := range append([]string{m.Name}, m.Aliases...) {
			if other, ok := seen[n]; ok {
				return nil, fmt.Errorf("pricetable: %q is used by both %q and %q", n, other, m.Name)
			}
			seen[n] = m.Name
		}
		models = append(models, m)
	}
	sort.Slice(models, func(i, j int) bool { return models[i].Name < models[j].Name })
	return models, nil
}

// model checks e and converts it to a catalog entry.
func (e entry) model() (gateway.Model, error) {
	p := gateway.Prices{
		Input:       gateway.Micros(e.Prices.Input),
		CachedInput: gateway.Micros(e.Prices.CachedInput),
		CacheWrite:  gateway.Micros(e.Prices.CacheWrite),
		Output:      gateway.Micros(e.Prices.Output),
		Reasoning:   gateway.Micros(e.Prices.Reasoning),
		PerRequest:  gateway.Micros(e.Prices.PerRequest),
	}
	m := gateway.Model{Name: e.Name, Prices: p, OwnedBy: e.OwnedBy}
	if len(e.Aliases) > 0 {
		m.Aliases = append([]string(nil), e.Aliases...)
	}
	if err := m.Validate(); err != nil {
		return gateway.Model{}, err
	}
	if e.OwnedBy == "" {
		return gateway.Model{}, errors.New("owned_by is required")
	}
	if u, err := url.Parse(e.Source); err != nil || u.Scheme != "https" || u.Host == "" {
		return gateway.Model{}, fmt.Errorf("source %q is not an https URL", e.Source)
	}
	// A missing price falls back to another (gateway.Prices), so the
	// checks below are what keep a typo from making tokens free or cheap.
	if p.Input <= 0 {
		return gateway.Model{}, errors.New("input price is required")
	}
	if e.Embedding {
		if p.Output != 0 || p.CachedInput != 0 || p.CacheWrite != 0 || p.Reasoning != 0 {
			return gateway.Model{}, errors.New("an embedding model has an input price only")
		}
	} else if p.Output <= 0 {
		return gateway.Model{}, errors.New("output price is required")
	}
	if p.CachedInput > p.Input {
		return gateway.Model{}, errors.New("cached_input is above input")
	}
	return m, nil
}

// mustParse decodes the embedded table. The table is compiled in and
// checked by the package's tests, so a failure here is a build defect.
func mustParse(data []byte) []gateway.Model {
	models, err := parse(bytes.NewReader(data))
	if err != nil {
		panic(err)
	}
	return models
}
