package gateway_test

import (
	"context"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

func presetFixture(t *testing.T) *fixture {
	return newFixtureWith(t, gateway.Config{
		Presets: []gateway.Preset{
			{Name: "hosted", Type: "fake", BaseURL: "https://api.hosted.example/v1", Models: []string{"h-*"}, Options: map[string]string{"auth": "bearer"}},
			{Name: "local", Type: "fake", KeyOptional: true},
		},
		HeaderProfiles: map[string]map[string]string{"team": {"X-Team": "blue", "User-Agent": "tollgate"}},
	})
}

func TestCreateProviderFromPreset(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := presetFixture(t)
	for _, tc := range []struct {
		name  string
		in    gateway.FromPreset
		code  gateway.Code
		field string
	}{
		{"UnknownPreset", gateway.FromPreset{Preset: "nope", Key: "k"}, gateway.CodeNotFound, "preset"},
		{"KeyRequired", gateway.FromPreset{Preset: "hosted"}, gateway.CodeInvalid, "key"},
		{"LocalNeedsItsURL", gateway.FromPreset{Preset: "local"}, gateway.CodeInvalid, "base_url"},
		{"BadName", gateway.FromPreset{Preset: "hosted", Name: "Not Valid", Key: "k"}, gateway.CodeInvalid, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			_, _, err := f.admin.CreateProviderFromPreset(ctx, tc.in)
			e := gateway.AsError(err)
			is.Equal(e.Code, tc.code)
			is.Equal(e.Field, tc.field)
		})
	}

	is := is.New(t)
	p, creds, err := f.admin.CreateProviderFromPreset(ctx, gateway.FromPreset{Preset: "hosted", Key: "sk-hosted"})
	is.NoErr(err)
	is.Equal(p.Name, "hosted")
	is.Equal(p.Type, "fake")
	is.Equal(p.BaseURL, "https://api.hosted.example/v1")
	is.Equal(p.Models, []string{"h-*"})
	is.Equal(p.Options["auth"], "bearer")
	is.Equal(len(creds), 1)
	is.Equal(creds[0].Secret.Reveal(), "sk-hosted")

	// Served at once: the preset's models route to it.
	c := f.caller(t, gateway.KeySpec{})
	resp, err := f.gw.Chat(ctx, c, userChat("h-1", "hi"))
	is.NoErr(err)
	is.Equal(resp.Choices[0].Message.Content.Text(), "hi from hosted")

	p, creds, err = f.admin.CreateProviderFromPreset(ctx, gateway.FromPreset{Preset: "local", Name: "gpu-box", BaseURL: "http://10.0.0.5:8000/v1", Models: []string{"llama*"}})
	is.NoErr(err)
	is.Equal(p.Name, "gpu-box")
	is.Equal(p.BaseURL, "http://10.0.0.5:8000/v1")
	is.Equal(p.Models, []string{"llama*"})
	is.Equal(len(creds), 1) // no key needed, but a credential to send requests on
	is.Equal(creds[0].Secret, gateway.NoKey)

	// The preset's options are copied, not shared.
	is.Equal(f.admin.Presets()[0].Options["auth"], "bearer")
}

func TestCreateCustomProvider(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	_, _, err := f.admin.CreateCustomProvider(context.Background(), gateway.Custom{Name: "mine"})
	is.Equal(gateway.AsError(err).Field, "base_url")
	_, _, err = f.admin.CreateCustomProvider(context.Background(), gateway.Custom{Name: "mine", BaseURL: "https://llm.internal/v1", Key: "k"})
	is.Equal(gateway.AsError(err).Field, "type") // the fixture has no openai driver: checked like any provider
}

func TestHeaderProfiles(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := presetFixture(t)
	_, err := f.admin.CreateProvider(ctx, &gateway.Provider{Name: "bad", Type: "fake", Options: map[string]string{"headers_profile": "nope"}})
	is.Equal(gateway.AsError(err).Field, "options")

	_, err = f.admin.CreateProvider(ctx, &gateway.Provider{Name: "teamed", Type: "fake",
		Options: map[string]string{"headers_profile": "team"}, Headers: map[string]string{"User-Agent": "own"}})
	is.NoErr(err)
	opened := f.fakes.get("teamed").provider
	is.Equal(opened.Headers["X-Team"], "blue")    // from the profile
	is.Equal(opened.Headers["User-Agent"], "own") // the provider's own header wins
}
