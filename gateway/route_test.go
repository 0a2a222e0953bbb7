package gateway_test

import (
	"context"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

func TestRouting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.provider(t, "alpha", []string{"gpt-*"}, 1)
	beta := f.provider(t, "beta", []string{"claude-*"}, 1)
	gamma := f.provider(t, "gamma", nil, 1)
	_, err := f.admin.PutModel(ctx, &gateway.Model{Name: "claude-x", Aliases: []string{"smart"}})
	if err != nil {
		t.Fatal(err)
	}
	// gamma serves no model by its list, but a binding sends "bound" to it
	// under another name.
	_, err = f.admin.CreateBinding(ctx, &gateway.Binding{Model: "bound", ProviderID: gamma.ID, UpstreamModel: "gamma-1"})
	if err != nil {
		t.Fatal(err)
	}
	// In namespace "eu", claude-* goes to gamma first, then beta.
	_, err = f.admin.CreateBinding(ctx, &gateway.Binding{Namespace: "eu", Model: "claude-*", ProviderID: gamma.ID, Priority: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.admin.CreateBinding(ctx, &gateway.Binding{Namespace: "eu", Model: "claude-*", ProviderID: beta.ID, Priority: 2})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "eu-team", Namespaces: []string{"eu"}})
	if err != nil {
		t.Fatal(err)
	}
	_, euSecret, err := f.admin.IssueKey(ctx, acct.ID, gateway.KeySpec{Namespace: "eu"}, gateway.IssuedByAdmin)
	if err != nil {
		t.Fatal(err)
	}
	eu, err := f.gw.Authenticate(euSecret, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	def := f.caller(t, gateway.KeySpec{})
	limited := f.caller(t, gateway.KeySpec{Models: []string{"gpt-4o*"}})

	for _, tc := range []struct {
		name     string
		caller   *gateway.Caller
		model    string
		provider string
		sent     string
		code     gateway.Code
	}{
		{"ByProviderModels", def, "gpt-4o", "alpha", "gpt-4o", ""},
		{"ByAlias", def, "smart", "beta", "claude-x", ""},
		{"ByBindingWithUpstreamModel", def, "bound", "gamma", "gamma-1", ""},
		{"BindingPriorityInNamespace", eu, "claude-x", "gamma", "claude-x", ""},
		{"ErrUnknownModel", def, "llama-9", "", "", gateway.CodeNotFound},
		{"ErrModelNotAllowedForKey", limited, "claude-x", "", "", gateway.CodeForbidden},
		{"KeyPatternAllows", limited, "gpt-4o-mini", "alpha", "gpt-4o-mini", ""},
		{"ProviderPrefix", def, "gamma/gpt-4o", "gamma", "gpt-4o", ""},
		{"ProviderPrefixKeepsSlashes", def, "gamma/meta-llama/llama-3", "gamma", "meta-llama/llama-3", ""},
		{"ProviderPrefixFollowsAliases", def, "alpha/smart", "alpha", "claude-x", ""},
		{"UnknownPrefixIsAModelName", def, "nobody/gpt-4o", "", "", gateway.CodeNotFound},
		{"ProviderPrefixStillChecksTheKey", limited, "gamma/claude-x", "", "", gateway.CodeForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			route, err := f.gw.RouteOf(tc.caller, tc.model)
			is.Equal(gateway.ErrorCode(err), tc.code)
			if tc.code == "" {
				is.Equal(route, gateway.Route{Provider: tc.provider, Type: "fake", Model: tc.sent})
			}
			resp, err := f.gw.Chat(ctx, tc.caller, userChat(tc.model, "hi"))
			is.Equal(gateway.ErrorCode(err), tc.code)
			if tc.code != "" {
				return
			}
			is.Equal(resp.Choices[0].Message.Content.Text(), "hi from "+tc.provider)
			calls := f.fakes.get(tc.provider).callLog()
			is.Equal(calls[len(calls)-1].model, tc.sent)
		})
	}
}

func TestModelsListsWhatTheCallerCanUse(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	f.provider(t, "alpha", []string{"gpt-4o", "gpt-4o-mini", "gpt-*"}, 1)
	f.provider(t, "off", []string{"never-1"}) // no credentials, but routable
	_, err := f.admin.PutModel(context.Background(), &gateway.Model{Name: "orphan"})
	is.NoErr(err)
	c := f.caller(t, gateway.KeySpec{Models: []string{"gpt-4o*", "never-*", "orphan"}})
	var ids []string
	for _, m := range f.gw.Models(c) {
		ids = append(ids, m.ID)
	}
	// orphan is in the catalog but nothing serves it.
	is.Equal(ids, []string{"gpt-4o", "gpt-4o-mini", "never-1"})
}

// Credentials are picked by weight, evenly spread.
func TestCredentialWeights(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	f.provider(t, "alpha", []string{"m"}, 3, 1)
	c := f.caller(t, gateway.KeySpec{})
	for i := 0; i < 8; i++ {
		_, err := f.gw.Chat(context.Background(), c, userChat("m", "hi"))
		is.NoErr(err)
	}
	count := map[string]int{}
	var order string
	for _, call := range f.fakes.get("alpha").callLog() {
		count[call.cred]++
		order += call.cred[len(call.cred)-1:]
	}
	is.Equal(count["alpha-a"], 6)
	is.Equal(count["alpha-b"], 2)
	is.Equal(order, "aabaaaba") // smooth: never three of a in a row here
}

func TestModelPatterns(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	_, err := f.admin.CreateProvider(ctx, &gateway.Provider{Name: "bad", Type: "fake", Models: []string{"re:(("}})
	is.Equal(gateway.AsError(err).Field, "models")
	p := f.provider(t, "wide", []string{"gpt-*", "re:^o[0-9]+(-mini)?$"}, 1)
	opts := map[string]string{"models_exclude": "gpt-*-audio*, gpt-4o-realtime*"}
	_, err = f.admin.UpdateProvider(ctx, p.ID, gateway.ProviderUpdate{Options: &opts})
	is.NoErr(err)
	other := f.provider(t, "other", nil, 1)
	_, err = f.admin.CreateBinding(ctx, &gateway.Binding{Model: "re:^claude-(sonnet|opus)-4", ProviderID: other.ID})
	is.NoErr(err)
	_, err = f.admin.CreateBinding(ctx, &gateway.Binding{Model: "re:[", ProviderID: other.ID})
	is.Equal(gateway.AsError(err).Field, "model")
	c := f.caller(t, gateway.KeySpec{})
	for model, want := range map[string]string{
		"gpt-4o": "wide", "o3": "wide", "o4-mini": "wide", "claude-sonnet-4-5": "other", "claude-opus-4-1": "other",
		"gpt-4o-audio-preview": "", "o3-pro": "", "claude-haiku-4": "",
	} {
		route, err := f.gw.RouteOf(c, model)
		if want == "" {
			is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound) // excluded, or no pattern matches
			continue
		}
		is.NoErr(err)
		is.Equal(route.Provider, want)
	}
}

// Bindings of one priority share it by weight, per request; a lower
// priority still comes after them.
func TestBindingWeights(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	for _, b := range []struct {
		name             string
		priority, weight int
	}{{"heavy", 1, 3}, {"light", 1, 1}, {"spare", 2, 100}} {
		p := f.provider(t, b.name, nil, 1)
		_, err := f.admin.CreateBinding(ctx, &gateway.Binding{Namespace: "default", Model: "m", ProviderID: p.ID, Priority: b.priority, Weight: b.weight})
		is.NoErr(err)
	}
	_, err := f.admin.CreateBinding(ctx, &gateway.Binding{Namespace: "default", Model: "m", ProviderID: "x", Weight: -1})
	is.True(gateway.IsCode(err, gateway.CodeInvalid))
	c := f.caller(t, gateway.KeySpec{})
	first := map[string]int{}
	const n = 4000
	for range n {
		r, err := f.gw.RouteOf(c, "m")
		is.NoErr(err)
		first[r.Provider]++
	}
	is.Equal(first["spare"], 0)        // priority 2 never leads while priority 1 is there
	is.True(first["heavy"] > n*70/100) // 75% expected; 70% is 7 standard deviations off
	is.True(first["heavy"] < n*80/100)
	is.Equal(first["heavy"]+first["light"], n)
}
