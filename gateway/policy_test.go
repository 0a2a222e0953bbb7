package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

// withPolicy attaches a policy with rules to the provider.
func (f *fixture) withPolicy(t *testing.T, p *gateway.Provider, rules ...gateway.RetryRule) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.admin.PutPolicy(ctx, &gateway.RetryPolicy{Name: "pol-" + p.Name, Rules: rules}); err != nil {
		t.Fatal(err)
	}
	opts := map[string]string{"retry_policies": "pol-" + p.Name}
	if _, err := f.admin.UpdateProvider(ctx, p.ID, gateway.ProviderUpdate{Options: &opts}); err != nil {
		t.Fatal(err)
	}
}

func TestRetryPolicyActions(t *testing.T) {
	t.Parallel()
	overloaded := &gateway.Error{Code: gateway.CodeUpstream, Status: 529, Type: "overloaded_error", Message: "fake: Overloaded"}
	quota := &gateway.Error{Code: gateway.CodeRateLimited, Status: 429, Message: "fake: You exceeded your current quota"}
	for _, tc := range []struct {
		name  string
		rule  gateway.RetryRule
		errs  []error
		code  gateway.Code
		creds []string // the credentials called, in order
	}{
		{"RetrySameCredential", gateway.RetryRule{Types: []string{"overloaded_error"}, Action: gateway.ActionRetry, MaxRetries: 2},
			[]error{overloaded, overloaded}, "", []string{"p-a", "p-a", "p-a"}},
		{"FailAtOnce", gateway.RetryRule{Statuses: []int{529}, Action: gateway.ActionFail},
			[]error{overloaded}, gateway.CodeUpstream, []string{"p-a"}},
		{"NextProvider", gateway.RetryRule{Regexp: "(?i)current quota", Action: gateway.ActionNextProvider},
			[]error{quota}, "", []string{"p-a"}}, // then q serves it
		{"NoMatchIsTheDefault", gateway.RetryRule{Statuses: []int{418}, Action: gateway.ActionFail},
			[]error{overloaded}, "", []string{"p-a", "p-b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			f := newFixture(t)
			p := f.provider(t, "p", []string{"m"}, 10, 1)
			f.provider(t, "q", []string{"m"}, 1)
			f.withPolicy(t, p, tc.rule)
			c := f.caller(t, gateway.KeySpec{})
			f.fakes.get("p").fail(tc.errs...)
			_, err := f.gw.Chat(context.Background(), c, userChat("m", "hi"))
			is.Equal(gateway.ErrorCode(err), tc.code)
			var creds []string
			for _, call := range f.fakes.get("p").callLog() {
				creds = append(creds, call.cred)
			}
			is.Equal(creds, tc.creds)
		})
	}
}

func TestRetryPolicyDisablesACredential(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	p := f.provider(t, "p", []string{"m"}, 10, 1)
	f.withPolicy(t, p, gateway.RetryRule{Contains: "QUOTA", Action: gateway.ActionDisableCredential, DisableFor: time.Hour})
	c := f.caller(t, gateway.KeySpec{})
	f.fakes.get("p").fail(&gateway.Error{Code: gateway.CodeRateLimited, Status: 429, Message: "fake: quota exceeded"})
	_, err := f.gw.Chat(context.Background(), c, userChat("m", "hi"))
	is.NoErr(err) // p-b answered
	is.True(within(2*time.Second, func() bool { return f.credentialNamed(t, p.ID, "p-a").Status == gateway.StatusDisabled }))
	is.Equal(f.credentialNamed(t, p.ID, "p-a").DisabledUntil, f.clock.Now().Add(time.Hour))
}

func TestRetryPolicyValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for name, p := range map[string]*gateway.RetryPolicy{
		"NoRules":      {Name: "x"},
		"BadRegexp":    {Name: "x", Rules: []gateway.RetryRule{{Regexp: "(", Action: gateway.ActionFail}}},
		"BadAction":    {Name: "x", Rules: []gateway.RetryRule{{Statuses: []int{500}, Action: "pray"}}},
		"MatchesAll":   {Name: "x", Rules: []gateway.RetryRule{{Action: gateway.ActionFail}}},
		"TooManyTries": {Name: "x", Rules: []gateway.RetryRule{{Statuses: []int{500}, Action: gateway.ActionRetry, MaxRetries: 50}}},
	} {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			_, err := f.admin.PutPolicy(context.Background(), p)
			is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
		})
	}
}
