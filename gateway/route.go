package gateway

import (
	"math/rand/v2"
	"strings"
)

// hop is one provider of a request's chain and the model name it is sent.
type hop struct {
	target *target
	model  string
}

// weighHops reorders each run of hops of equal priority by a weighted
// draw without replacement: the first place goes to a hop with
// probability weight/total, the next among the rest, and so on. Random
// rather than round robin because the order is per request and a run
// has no state to keep between requests; over many requests the shares
// converge to the weights.
func weighHops(chain []hop, priority, weight []int) {
	for start := 0; start < len(chain); {
		end := start + 1
		for end < len(chain) && priority[end] == priority[start] {
			end++
		}
		for i := start; i < end-1; i++ {
			total := 0
			for j := i; j < end; j++ {
				total += weight[j]
			}
			r := rand.IntN(total)
			for j := i; j < end; j++ {
				if r -= weight[j]; r < 0 {
					chain[i], chain[j] = chain[j], chain[i]
					weight[i], weight[j] = weight[j], weight[i]
					break
				}
			}
		}
		start = end
	}
}

// resolve returns the catalog name of model (following aliases) and the
// chain of providers that serve it in namespace: the matching bindings by
// priority, or, when none match, every provider whose models match it.
//
// A model named "provider/model", where provider is an active provider's
// name, goes to that provider alone, as "model" (which may hold more
// slashes, as OpenRouter's names do); a catalog entry of that name prices
// the model on that provider (see pricedModel), it does not route.
func (s *Snapshot) resolve(namespace, model string) (string, []hop) {
	if i := strings.IndexByte(model, '/'); i > 0 && i < len(model)-1 {
		if t := s.providerNamed(model[:i]); t != nil {
			name := model[i+1:]
			if m, ok := s.models[name]; ok {
				name = m.Name
			}
			return name, []hop{{target: t, model: name}}
		}
	}
	name := model
	if m, ok := s.models[model]; ok {
		name = m.Name
	}
	var chain []hop
	var priority, weight []int
	tied := false // two matching bindings share a priority
	seen := make(map[string]bool)
	for _, b := range s.bindings {
		if !b.Matches(namespace, name) && !b.Matches(namespace, model) {
			continue
		}
		if seen[b.ProviderID] {
			continue
		}
		seen[b.ProviderID] = true
		sent := b.UpstreamModel
		if sent == "" {
			sent = name
		}
		if n := len(priority); n > 0 && priority[n-1] == b.Priority {
			tied = true
		}
		chain = append(chain, hop{target: s.providers[b.ProviderID], model: sent})
		priority, weight = append(priority, b.Priority), append(weight, max(b.Weight, 1))
	}
	if tied {
		weighHops(chain, priority, weight)
	}
	if len(chain) > 0 {
		return name, chain
	}
	for _, t := range s.ordered {
		if t.provider.Serves(name) || t.provider.Serves(model) {
			chain = append(chain, hop{target: t, model: name})
		}
	}
	return name, chain
}

// route checks that the caller may use model and returns its chain.
// CodeForbidden if the key may not use the model; CodeNotFound if nothing
// serves it.
func (s *Snapshot) route(c *Caller, model string) (string, []hop, error) {
	name, chain := s.resolve(c.Namespace, model)
	if !c.Key.AllowsModel(model) && !c.Key.AllowsModel(name) {
		return name, nil, &Error{Code: CodeForbidden, Type: "model_not_allowed", Message: "this key may not use model " + quote(model)}
	}
	if len(chain) == 0 {
		return name, nil, &Error{Code: CodeNotFound, Type: "model_not_found", Message: "the model " + quote(model) + " does not exist or is not available in namespace " + quote(c.Namespace)}
	}
	return name, chain, nil
}

func quote(s string) string { return "`" + s + "`" }

// Route is where a request for a model goes first: the provider, its
// driver type, and the model name it is sent.
type Route struct {
	Provider string
	Type     string
	Model    string
}

// RouteOf returns the first provider of the chain a request by c for
// model would take, so a host can tell when the client's own wire format
// is the provider's and pass the request through untranslated. Errors as
// Chat's routing: CodeForbidden, CodeNotFound.
func (g *Gateway) RouteOf(c *Caller, model string) (Route, error) {
	_, chain, err := g.snapshot().route(c, model)
	if err != nil {
		return Route{}, err
	}
	p := chain[0].target.provider
	return Route{Provider: p.Name, Type: p.Type, Model: chain[0].model}, nil
}
