package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

func TestRealtime(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	f.provider(t, "alpha", []string{"m"}, 1) // 1500 tokens a call
	acct, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "team", Limits: gateway.Limits{RequestsPerMinute: 10, TokensPerDay: 100000}})
	is.NoErr(err)
	_, secret, err := f.admin.IssueKey(ctx, acct.ID, gateway.KeySpec{}, gateway.IssuedByAdmin)
	is.NoErr(err)
	for range 3 {
		c, err := f.gw.Authenticate(secret, "127.0.0.1")
		is.NoErr(err)
		_, err = f.gw.Chat(ctx, c, userChat("m", "hi"))
		is.NoErr(err)
	}
	var rt *gateway.Realtime
	deadline := time.Now().Add(5 * time.Second) // counts reach the Cache within a second
	for {
		rt, err = f.gw.Realtime(ctx, acct.ID)
		is.NoErr(err)
		if rt.Requests.Minute == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	is.Equal(rt.Requests, gateway.WindowCounts{Minute: 3, Hour: 3, Day: 3})
	is.Equal(rt.Tokens, gateway.WindowCounts{Minute: 4500, Hour: 4500, Day: 4500})
	is.Equal(rt.InFlight, int64(0))
	is.Equal(rt.Limits, []gateway.LimitUse{
		{Name: "requests_per_minute", Limit: 10, Used: 3, Remaining: 7},
		{Name: "tokens_per_day", Limit: 100000, Used: 4500, Remaining: 95500},
	})
	_, err = f.gw.Realtime(ctx, "acc_missing")
	is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound)
}
