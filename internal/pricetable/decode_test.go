package pricetable

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// snippet builds a one-model table around the given model object.
func snippet(model string) string {
	return `{"checked": "` + Checked + `", "models": [` + model + `]}`
}

// good is a valid model object the bad cases below vary.
const good = `{"name": "m", "owned_by": "p", "prices": {"input": 1000, "output": 2000}, "source": "https://p.example/pricing"}`

func TestParseAcceptsAValidTable(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	models, err := parse(strings.NewReader(snippet(good + `, {"name": "e", "owned_by": "p", "embedding": true, "prices": {"input": 5}, "source": "https://p.example/"}`)))
	is.NoErr(err)
	is.Equal(len(models), 2)
	is.Equal(models[0].Name, "e") // sorted by name
	is.Equal(models[1].Prices.Output, gateway.Micros(2000))
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		data string
		want string // part of the error message
	}{
		{"FloatPrice", snippet(`{"name": "m", "owned_by": "p", "prices": {"input": 2.5, "output": 2}, "source": "https://p.example/"}`), "cannot unmarshal number 2.5"},
		{"FloatOutput", snippet(`{"name": "m", "owned_by": "p", "prices": {"input": 2, "output": 10.0}, "source": "https://p.example/"}`), "cannot unmarshal number 10.0"},
		{"ExponentPrice", snippet(`{"name": "m", "owned_by": "p", "prices": {"input": 1e6, "output": 2}, "source": "https://p.example/"}`), "cannot unmarshal number 1e6"},
		{"StringPrice", snippet(`{"name": "m", "owned_by": "p", "prices": {"input": "1000", "output": 2}, "source": "https://p.example/"}`), "cannot unmarshal string"},
		{"PriceTooLarge", snippet(`{"name": "m", "owned_by": "p", "prices": {"input": 9223372036854775808, "output": 2}, "source": "https://p.example/"}`), "cannot unmarshal number"},
		{"UnknownModelField", snippet(`{"name": "m", "owned_by": "p", "prices": {"input": 1, "output": 2}, "source": "https://p.example/", "currency": "EUR"}`), `unknown field "currency"`},
		{"UnknownPriceField", snippet(`{"name": "m", "owned_by": "p", "prices": {"input": 1, "output": 2, "cache_read": 1}, "source": "https://p.example/"}`), `unknown field "cache_read"`},
		{"TrailingData", snippet(good) + `{}`, "data after the table"},
		{"NotJSON", `prices`, "invalid character"},
		{"WrongChecked", `{"checked": "2001-01-01", "models": [` + good + `]}`, "checked is"},
		{"NoModels", snippet(``), "no models"},
		{"DuplicateName", snippet(good + `,` + good), `"m" is used by both`},
		{"AliasIsAnotherName", snippet(good + `, {"name": "n", "aliases": ["m"], "owned_by": "p", "prices": {"input": 1, "output": 2}, "source": "https://p.example/"}`), `"m" is used by both`},
		{"AliasRepeatsName", snippet(`{"name": "m", "aliases": ["m"], "owned_by": "p", "prices": {"input": 1, "output": 2}, "source": "https://p.example/"}`), "repeats the name"},
		{"EmptyName", snippet(`{"name": "", "owned_by": "p", "prices": {"input": 1, "output": 2}, "source": "https://p.example/"}`), "name is required"},
		{"NegativePrice", snippet(`{"name": "m", "owned_by": "p", "prices": {"input": 1, "output": 2, "cached_input": -1}, "source": "https://p.example/"}`), "must not be negative"},
		{"NoInput", snippet(`{"name": "m", "owned_by": "p", "prices": {"output": 2}, "source": "https://p.example/"}`), "input price is required"},
		{"NoOutput", snippet(`{"name": "m", "owned_by": "p", "prices": {"input": 1}, "source": "https://p.example/"}`), "output price is required"},
		{"EmbeddingWithOutput", snippet(`{"name": "m", "owned_by": "p", "embedding": true, "prices": {"input": 1, "output": 2}, "source": "https://p.example/"}`), "input price only"},
		{"CachedAboveInput", snippet(`{"name": "m", "owned_by": "p", "prices": {"input": 1, "cached_input": 2, "output": 2}, "source": "https://p.example/"}`), "cached_input is above input"},
		{"NoOwner", snippet(`{"name": "m", "prices": {"input": 1, "output": 2}, "source": "https://p.example/"}`), "owned_by is required"},
		{"PlainHTTPSource", snippet(`{"name": "m", "owned_by": "p", "prices": {"input": 1, "output": 2}, "source": "http://p.example/"}`), "not an https URL"},
		{"NoSource", snippet(`{"name": "m", "owned_by": "p", "prices": {"input": 1, "output": 2}}`), "not an https URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			models, err := parse(strings.NewReader(c.data))
			is.True(err != nil) // the table must be rejected
			is.Equal(models, nil)
			is.True(strings.Contains(err.Error(), c.want)) // the error says why
			is.True(strings.HasPrefix(err.Error(), "pricetable: "))
		})
	}
}

// FuzzParse checks that parse never panics, and that any table it accepts
// keeps the invariants billing relies on.
func FuzzParse(f *testing.F) {
	// A slice of the shipped table rather than all of it: the fuzzer
	// spends its time minimizing large inputs instead of mutating them.
	var shipped file
	if err := json.Unmarshal(pricesJSON, &shipped); err != nil {
		f.Fatal(err)
	}
	shipped.Models = shipped.Models[:3]
	seed, err := json.Marshal(shipped)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(snippet(good)))
	f.Add([]byte(snippet(`{"name": "e", "aliases": ["x", "y"], "owned_by": "p", "embedding": true, "prices": {"input": 5}, "source": "https://p.example/"}`)))
	f.Add([]byte(snippet(`{"name": "m", "owned_by": "p", "prices": {"input": 2.5, "output": 2}, "source": "https://p.example/"}`)))
	f.Add([]byte(`{"checked": "` + Checked + `", "models": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		models, err := parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatal("accepted invalid JSON")
		}
		seen := make(map[string]bool)
		for i, m := range models {
			if i > 0 && models[i-1].Name >= m.Name {
				t.Fatalf("not sorted by name: %q before %q", models[i-1].Name, m.Name)
			}
			if err := m.Validate(); err != nil {
				t.Fatalf("accepted an invalid model %q: %v", m.Name, err)
			}
			if m.Prices.Input <= 0 || m.Prices.CachedInput > m.Prices.Input {
				t.Fatalf("accepted bad prices for %q: %+v", m.Name, m.Prices)
			}
			for _, n := range append([]string{m.Name}, m.Aliases...) {
				if seen[n] {
					t.Fatalf("accepted %q twice", n)
				}
				seen[n] = true
			}
		}
	})
}
