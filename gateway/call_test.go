package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

func TestFailover(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		errs []error // returned by alpha's calls, in order
		// want is the code Chat returns; served the provider that answers.
		code     gateway.Code
		served   string
		attempts int
	}{
		{"NextCredentialAfter500", []error{upstreamErr(gateway.CodeUpstream, 500, false)}, "", "alpha", 2},
		{"NextProviderWhenCredentialsFail", []error{upstreamErr(gateway.CodeUpstream, 500, false), upstreamErr(gateway.CodeRateLimited, 429, false)}, "", "beta", 3},
		{"NoRetryWhenDelivered", []error{upstreamErr(gateway.CodeUpstreamTimeout, 0, true)}, gateway.CodeUpstreamTimeout, "", 1},
		{"NoRetryOnClientError", []error{upstreamErr(gateway.CodeInvalid, 400, false)}, gateway.CodeInvalid, "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			f := newFixture(t)
			f.provider(t, "alpha", []string{"m"}, 1, 1)
			beta := f.provider(t, "beta", nil, 1)
			alpha := f.fakes.get("alpha")
			_, err := f.admin.CreateBinding(ctx, &gateway.Binding{Model: "m", ProviderID: beta.ID, Priority: 10})
			is.NoErr(err)
			// Bindings come before model lists: bind alpha first as well.
			ps, _ := f.admin.Providers(ctx)
			_, err = f.admin.CreateBinding(ctx, &gateway.Binding{Model: "m", ProviderID: ps[0].ID, Priority: 1})
			is.NoErr(err)
			alpha.fail(tc.errs...)
			c := f.caller(t, gateway.KeySpec{})

			resp, err := f.gw.Chat(ctx, c, userChat("m", "hi"))
			is.Equal(gateway.ErrorCode(err), tc.code)
			if tc.code == "" {
				is.Equal(resp.Choices[0].Message.Content.Text(), "hi from "+tc.served)
			}
			r := f.records(t)[0]
			is.Equal(len(r.Attempts), tc.attempts)
			is.Equal(r.Code, tc.code)
			if tc.attempts > 1 {
				is.Equal(r.Attempts[0].Status, tc.errs[0].(*gateway.Error).Status)
				is.True(r.Attempts[0].CredentialID != r.Attempts[1].CredentialID)
			}
		})
	}
}

func TestMaxAttemptsBoundsFailover(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	f.provider(t, "alpha", []string{"m"}, 1, 1, 1, 1, 1)
	fail := upstreamErr(gateway.CodeUpstream, 503, false)
	f.fakes.get("alpha").fail(fail, fail, fail, fail, fail)
	c := f.caller(t, gateway.KeySpec{})
	_, err := f.gw.Chat(context.Background(), c, userChat("m", "hi"))
	is.Equal(gateway.ErrorCode(err), gateway.CodeUpstream)
	is.Equal(gateway.AsError(err).Status, 503) // the provider's status is kept
	is.Equal(len(f.fakes.get("alpha").callLog()), 3)
}

func TestNoCredentialIsUnavailable(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	f.provider(t, "alpha", []string{"m"})
	c := f.caller(t, gateway.KeySpec{})
	_, err := f.gw.Chat(context.Background(), c, userChat("m", "hi"))
	is.Equal(gateway.ErrorCode(err), gateway.CodeUnavailable)
}

func TestChatValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.provider(t, "alpha", []string{"m"}, 1)
	c := f.caller(t, gateway.KeySpec{})
	n0 := 0
	for _, tc := range []struct {
		name  string
		req   *gateway.ChatRequest
		field string
	}{
		{"ErrNoModel", userChat("", "hi"), "model"},
		{"ErrNoMessages", &gateway.ChatRequest{Model: "m"}, "messages"},
		{"ErrNoRole", &gateway.ChatRequest{Model: "m", Messages: []gateway.Message{{Content: gateway.TextContent("x")}}}, "messages"},
		{"ErrN", &gateway.ChatRequest{Model: "m", N: &n0, Messages: userChat("m", "x").Messages}, "n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			_, err := f.gw.Chat(context.Background(), c, tc.req)
			is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
			is.Equal(gateway.AsError(err).Field, tc.field)
		})
	}
}

func TestEmbeddings(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	f.provider(t, "alpha", []string{"emb-*"}, 1)
	c := f.caller(t, gateway.KeySpec{})
	resp, err := f.gw.Embeddings(context.Background(), c, &gateway.EmbedRequest{Model: "emb-1", Input: []byte(`"hello"`)})
	is.NoErr(err)
	is.Equal(string(resp.Data[0].Embedding), "[0.5]")
	r := f.records(t)[0]
	is.Equal(r.Endpoint, "embeddings")
	is.Equal(r.Usage.PromptTokens, 3)

	_, err = f.gw.Embeddings(context.Background(), c, &gateway.EmbedRequest{Model: "emb-1"})
	is.Equal(gateway.AsError(err).Field, "input")
}

// No new attempt starts once the failover deadline has passed.
func TestFailoverDeadline(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixtureWith(t, gateway.Config{FailoverDeadline: time.Second, MaxAttempts: 5})
	f.provider(t, "p", []string{"m"}, 1, 1, 1)
	c := f.caller(t, gateway.KeySpec{})
	up := f.fakes.get("p")
	up.slow = func() { f.clock.Advance(2 * time.Second) } // each attempt takes two seconds
	up.fail(upstreamErr(gateway.CodeUpstream, 503, false), upstreamErr(gateway.CodeUpstream, 503, false))
	_, err := f.gw.Chat(context.Background(), c, userChat("m", "hi"))
	is.Equal(gateway.ErrorCode(err), gateway.CodeUpstream)
	is.Equal(len(up.callLog()), 1) // the first failed past the deadline: no second try
}
