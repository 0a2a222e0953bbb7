package gateway_test

import (
	"context"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

func TestBodiesAreKeptOnlyWhenAskedAndRedacted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pasted := "my key is sk-proj-abcdefghijklmnopqrstuvwxyz0123 and tg-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

	t.Run("Off", func(t *testing.T) {
		is := is.New(t)
		f := newFixture(t)
		f.provider(t, "alpha", []string{"m"}, 1)
		_, err := f.gw.Chat(ctx, f.caller(t, gateway.KeySpec{}), userChat("m", pasted))
		is.NoErr(err)
		r := f.records(t)[0]
		is.Equal(r.RequestBody, "")
		is.Equal(r.ResponseBody, "")
	})
	t.Run("ProviderOption", func(t *testing.T) {
		is := is.New(t)
		f := newFixture(t)
		p, err := f.admin.CreateProvider(ctx, &gateway.Provider{Name: "alpha", Type: "fake", Models: []string{"m"}, Options: map[string]string{"log_bodies": "true"}})
		is.NoErr(err)
		_, err = f.admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Secret: "s"}})
		is.NoErr(err)
		c := f.caller(t, gateway.KeySpec{})
		_, err = f.gw.Chat(ctx, c, userChat("m", pasted))
		is.NoErr(err)
		req := userChat("m", "stream me")
		req.Stream = true
		s, err := f.gw.ChatStream(ctx, &gateway.Caller{Key: c.Key, Account: c.Account, Namespace: c.Namespace}, req)
		is.NoErr(err)
		drain(t, s)
		rs := f.records(t)
		is.Equal(len(rs), 2)
		var whole, streamed *gateway.RequestRecord
		for _, r := range rs {
			if r.Stream {
				streamed = r
			} else {
				whole = r
			}
		}
		is.True(strings.Contains(whole.RequestBody, `"my key is [REDACTED] and [REDACTED]"`)) // secrets pasted in a prompt are not kept
		is.True(!strings.Contains(whole.RequestBody, "sk-proj"))
		is.True(strings.Contains(whole.ResponseBody, "hi from alpha"))
		is.True(strings.Contains(streamed.RequestBody, "stream me"))
		is.Equal(strings.Count(streamed.ResponseBody, "\n"), 3) // the chunks the client got, a line each
	})
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"sk-ant-api03-abcdefghijklmnopqrstuvwx", "Bearer abcdefghijklmnopqrstuvwxyz.123", "AKIAABCDEFGHIJKLMNOP",
		"AIzaSyA-abcdefghijklmnopqrstuvwxyz0123456", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "xoxb-1234567890-abcdef",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLWhlcmU",
	} {
		is.New(t).Equal(string(gateway.Redact([]byte("x "+s+" y"))), "x [REDACTED] y")
	}
	is.New(t).Equal(string(gateway.Redact([]byte("a skeleton key, a task"))), "a skeleton key, a task") // words stay
}
