package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

// A prepaid account pays each request's exact cost from its credits, is
// refused with 402 insufficient_quota once they run out, and its ledger
// accounts for every micro.
func TestPrepaidCreditsOverHTTP(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	upstream := openaitest.New(t, "sk-upstream-secret-1")
	_, base := gatewayServer(t, map[string]string{})
	is.Equal(call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
		"name": "openai", "type": "openai", "base_url": upstream.URL, "models": []string{"gpt-*"},
		"credentials": []map[string]any{{"secret": "sk-upstream-secret-1"}},
	}, nil), http.StatusCreated)
	// $10 per million tokens either way: 10 micros a token.
	is.Equal(call(t, "PUT", base+"/admin/models/gpt-4o-mini", adminKey, map[string]any{"prices": map[string]any{"input": 10_000_000, "output": 10_000_000}}, nil), http.StatusOK)
	var acct struct{ ID string }
	is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "payer", "prepaid": true}, &acct), http.StatusCreated)
	var key struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{"name": "k"}, &key), http.StatusCreated)

	is.Equal(call(t, "POST", base+"/admin/accounts/"+acct.ID+"/credits", adminKey, map[string]any{"amount": 100, "reason": "too short"}, nil), http.StatusBadRequest)
	var grant struct {
		Kind         string
		BalanceAfter int64 `json:"balance_after"`
	}
	is.Equal(call(t, "POST", base+"/admin/accounts/"+acct.ID+"/credits", adminKey, map[string]any{"amount": 5_000, "reason": "trial credits for the team"}, &grant), http.StatusCreated)
	is.Equal(grant.Kind, "grant")
	is.Equal(grant.BalanceAfter, int64(5_000))

	client := openai.NewClient(option.WithBaseURL(base+"/v1/"), option.WithAPIKey(key.Key), option.WithMaxRetries(0))
	ctx := context.Background()
	ask := func() (*openai.ChatCompletion, error) {
		return client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model: "gpt-4o-mini", MaxTokens: openai.Int(100),
			Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hello there")},
		})
	}
	resp, err := ask()
	is.NoErr(err)
	cost := (resp.Usage.PromptTokens + resp.Usage.CompletionTokens) * 10

	type balance struct{ Balance, Held, Available int64 }
	var b balance
	is.True(within(5*time.Second, func() bool {
		call(t, "GET", base+"/v1/balance", key.Key, nil, &b)
		return b.Balance == 5_000-cost
	}))
	is.Equal(b.Held, int64(0))

	// Drain it: each request holds up to ~1000 micros (100 output tokens
	// at 10 micros, plus the prompt), so the last ones are refused.
	refused := 0
	for range 40 {
		if _, err := ask(); err != nil {
			var apiErr *openai.Error
			is.True(errors.As(err, &apiErr))
			is.Equal(apiErr.StatusCode, http.StatusPaymentRequired)
			is.Equal(apiErr.Type, "insufficient_quota")
			refused++
		}
	}
	is.True(refused > 0)

	var ledger struct {
		Data []struct {
			Kind      string
			Amount    int64
			RequestID string `json:"request_id"`
		}
	}
	is.True(within(5*time.Second, func() bool {
		call(t, "GET", base+"/admin/ledger?account_id="+acct.ID+"&limit=1000", adminKey, nil, &ledger)
		call(t, "GET", base+"/admin/accounts/"+acct.ID+"/balance", adminKey, nil, &b)
		var sum int64
		for _, e := range ledger.Data {
			sum += e.Amount
		}
		return b.Held == 0 && sum == b.Balance && len(ledger.Data) == 1+41-refused
	}))
	is.True(b.Balance >= 0) // never below zero
	var check struct{ OK bool }
	is.Equal(call(t, "GET", base+"/admin/ledger/check", adminKey, nil, &check), http.StatusOK)
	is.True(check.OK)

	// Refund the last charge, once.
	charged := ledger.Data[0]
	is.Equal(charged.Kind, "usage")
	refund := map[string]any{"request_id": charged.RequestID, "reason": "a customer complaint upheld"}
	is.Equal(call(t, "POST", base+"/admin/refunds", adminKey, refund, nil), http.StatusCreated)
	is.Equal(call(t, "POST", base+"/admin/refunds", adminKey, refund, nil), http.StatusConflict)

	// A bulk grant reports each account on its own.
	var bulk struct {
		Data []struct {
			AccountID string `json:"account_id"`
			OK        bool
		}
	}
	is.Equal(call(t, "POST", base+"/admin/credits/bulk", adminKey, map[string]any{"reason": "launch week bonus credits",
		"credits": []map[string]any{{"account_id": acct.ID, "amount": 1000}, {"account_id": "acc_missing", "amount": 1000}}}, &bulk), http.StatusOK)
	is.Equal(len(bulk.Data), 2)
	is.True(bulk.Data[0].OK)
	is.True(!bulk.Data[1].OK)

	var summary struct {
		Kinds []struct {
			Kind    string
			Entries int64
			Amount  int64
		}
		Net int64
	}
	is.Equal(call(t, "GET", base+"/admin/ledger/summary?account_id="+acct.ID, adminKey, nil, &summary), http.StatusOK)
	is.Equal(len(summary.Kinds), 3) // grant, refund, usage
	is.Equal(summary.Kinds[0].Entries, int64(2))
	is.Equal(summary.Net, b.Balance-charged.Amount+1000)

	// Coupons: created by an admin, redeemed by the account, once.
	var coupon struct {
		Code        string
		Redemptions int64
	}
	is.Equal(call(t, "POST", base+"/admin/coupons", adminKey, map[string]any{"amount": 777, "max_redemptions": 100}, &coupon), http.StatusCreated)
	is.Equal(len(coupon.Code), 12) // a random code when none is given
	var redeemed struct {
		Kind   string
		Amount int64
	}
	is.Equal(call(t, "POST", base+"/v1/coupons/redeem", key.Key, map[string]any{"code": strings.ToLower(coupon.Code)}, &redeemed), http.StatusCreated)
	is.Equal(redeemed.Kind, "coupon")
	is.Equal(redeemed.Amount, int64(777))
	is.Equal(call(t, "POST", base+"/v1/coupons/redeem", key.Key, map[string]any{"code": coupon.Code}, nil), http.StatusConflict)
	is.Equal(call(t, "POST", base+"/admin/coupons/"+coupon.Code+"/deactivate", adminKey, nil, nil), http.StatusOK)
	var coupons struct{ Data []struct{ Redemptions int64 } }
	is.Equal(call(t, "GET", base+"/admin/coupons", adminKey, nil, &coupons), http.StatusOK)
	is.Equal(coupons.Data[0].Redemptions, int64(1))
	is.Equal(call(t, "GET", base+"/admin/ledger/check", adminKey, nil, &check), http.StatusOK)
	is.True(check.OK)
}
