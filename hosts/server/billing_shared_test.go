package main

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"
)

// An account whose balance covers exactly 50 requests gets 200 at once
// across two instances sharing PostgreSQL and Redis: at most 50 succeed,
// the rest are refused with 402, the balance never goes below zero, and
// the ledger sums to it exactly.
func TestSharedCreditsNeverOverdraw(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	pg, prefix := pgDatabase(t), "tollgate-e2e:"+randomHex(4)+":"
	env := func() map[string]string {
		return map[string]string{"TOLLGATE_PG_DSN": pg, "TOLLGATE_REDIS_ADDR": redisAddr(), "TOLLGATE_REDIS_PREFIX": prefix,
			"TOLLGATE_KEY_SECRET": keySecret, "TOLLGATE_ENCRYPTION_KEY": strings.Repeat("ef", 32)}
	}
	_, a := gatewayServer(t, env())
	_, b := gatewayServer(t, env())
	mockProvider(t, a)
	// 1 micro per token, so a request costs its tokens; learn them from a
	// metered account, and let max_tokens make each hold cover its cost.
	is.Equal(call(t, "PUT", a+"/admin/models/mock-1", adminKey, map[string]any{"prices": map[string]any{"input": 1_000_000, "output": 1_000_000}}, nil), http.StatusOK)
	var warm struct {
		Usage struct {
			TotalTokens int64 `json:"total_tokens"`
		}
	}
	meteredKey := clientKey(t, a)
	is.Equal(call(t, "POST", a+"/v1/chat/completions", meteredKey, map[string]any{
		"model": "mock-1", "messages": []map[string]string{{"role": "user", "content": "hi"}}}, &warm), http.StatusOK)
	cost := warm.Usage.TotalTokens
	var acct struct{ ID string }
	is.Equal(call(t, "POST", a+"/admin/accounts", adminKey, map[string]any{"name": "payer", "prepaid": true}, &acct), http.StatusCreated)
	var key struct{ Key string }
	is.Equal(call(t, "POST", a+"/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{}, &key), http.StatusCreated)
	is.Equal(call(t, "POST", a+"/admin/accounts/"+acct.ID+"/credits", adminKey, map[string]any{"amount": 50 * cost, "reason": "exactly fifty requests"}, nil), http.StatusCreated)
	is.True(within(2*time.Second, func() bool { return chatStatus(t, b, key.Key, "nothing-serves-this") == http.StatusNotFound })) // B knows the key

	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for i := range 200 {
		base := a
		if i%2 == 1 {
			base = b
		}
		wg.Go(func() {
			status := call(t, "POST", base+"/v1/chat/completions", key.Key, map[string]any{
				"model": "mock-1", "max_tokens": cost, "messages": []map[string]string{{"role": "user", "content": "hi"}},
			}, nil)
			switch status {
			case http.StatusOK:
				ok.Add(1)
			case http.StatusPaymentRequired:
				refused.Add(1)
			default:
				t.Errorf("status %d", status)
			}
		})
	}
	wg.Wait()
	is.True(ok.Load() <= 50) // never more than the balance pays for
	is.True(ok.Load() >= 1)
	is.Equal(ok.Load()+refused.Load(), int64(200))

	var bal struct{ Balance, Held int64 }
	var ledger struct{ Data []struct{ Amount int64 } }
	done := within(5*time.Second, func() bool {
		call(t, "GET", b+"/admin/accounts/"+acct.ID+"/balance", adminKey, nil, &bal)
		call(t, "GET", a+"/admin/ledger?account_id="+acct.ID+"&limit=1000", adminKey, nil, &ledger)
		return bal.Held == 0 && int64(len(ledger.Data)) == 1+ok.Load()
	})
	is.True(done)
	is.Equal(bal.Balance, 50*cost-cost*ok.Load()) // each paid exactly its cost
	is.True(bal.Balance >= 0)
	var sum int64
	for _, e := range ledger.Data {
		sum += e.Amount
	}
	is.Equal(sum, bal.Balance) // the ledger sums to the balance
	var check struct{ OK bool }
	is.Equal(call(t, "GET", a+"/admin/ledger/check", adminKey, nil, &check), http.StatusOK)
	is.True(check.OK)
}
