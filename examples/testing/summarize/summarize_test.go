package summarize_test

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/adapters/providers/mock"
	"github.com/tollgate-ai/tollgate/adapters/sqlstore"
	"github.com/tollgate-ai/tollgate/examples/testing/summarize"
	"github.com/tollgate-ai/tollgate/gateway"
)

// stores are the Stores every case runs on. Memory is instant; SQLite is
// the Store the stock server runs on, with real migrations, transactions
// and encryption of credential secrets. A case that passes on one and
// fails on the other has found a difference the conformance suite missed,
// or code that depends on something the Store port does not promise.
var stores = []struct {
	name string
	open func(t *testing.T) gateway.Store
}{
	{"Memory", func(*testing.T) gateway.Store { return memory.NewStore() }},
	{"SQLite", openSQLite},
}

// openSQLite opens a migrated SQLite Store in a file of its own, closed
// when the test ends.
func openSQLite(t *testing.T) gateway.Store {
	t.Helper()
	key := make([]byte, 32) // production reads it with sqlstore.ParseEncryptionKey
	_, _ = rand.Read(key)
	s, err := sqlstore.Open(t.Context(), sqlstore.Config{
		DSN:           "file:" + filepath.Join(t.TempDir(), "tollgate.db"),
		Migrate:       true,
		EncryptionKey: key,
	})
	if err != nil {
		t.Fatalf("open SQLite: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// The provider is the mock, so the reply and its usage are known: it
// counts a token per word, plus 4 per message and 3 per prompt.
const (
	model = "mock-summary"
	reply = "A cat rested."
	text  = "The cat sat on the mat all afternoon."
)

var (
	prices = gateway.Prices{Input: 2_500_000, Output: 10_000_000} // $2.50 and $10 per million tokens
	// usage is what one summary uses: the system prompt's 8 words and the
	// text's 8, plus 4 per message and 3, then the reply's 3 words.
	usage = gateway.Usage{PromptTokens: 27, CompletionTokens: 3, TotalTokens: 30}
	// cost is what one summary is charged: 27 × $2.50/M + 3 × $10/M is
	// 97.5 micros, rounded up.
	cost = gateway.Micros(98)
)

// newService builds the Service on store, as the production main does on
// its own adapters, and configures it through its Admin: the mock
// provider with one credential serving model at prices.
func newService(t *testing.T, store gateway.Store) *summarize.Service {
	t.Helper()
	is := is.New(t)
	ctx := t.Context()
	cache := memory.NewCache(nil)
	hasher, err := gateway.NewHasher([]byte("a test secret of at least 16 bytes"))
	is.NoErr(err)
	svc, err := summarize.New(ctx, model, summarize.Ports{
		Store: store, Cache: cache, Hasher: hasher,
		Drivers: gateway.Drivers{"mock": mock.Driver()},
	})
	is.NoErr(err)
	// t.Context is done when cleanups run: close with a context of our own.
	// The Store's cleanup was registered first, so it runs after this one.
	t.Cleanup(func() {
		if err := svc.Close(context.Background()); err != nil {
			t.Error(err)
		}
		cache.Close()
	})

	admin := svc.Admin()
	p, err := admin.CreateProvider(ctx, &gateway.Provider{Name: "mock", Type: "mock",
		Models: []string{model}, Options: map[string]string{"reply": reply}})
	is.NoErr(err)
	_, err = admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Secret: "not used by the mock"}})
	is.NoErr(err)
	_, err = admin.PutModel(ctx, &gateway.Model{Name: model, Prices: prices})
	is.NoErr(err)
	return svc
}

// A summaryCase is one tenant's account, the summaries asked for on its
// behalf, and the outcome of the last one.
type summaryCase struct {
	name    string
	account gateway.Account // the tenant: its limits, and whether it pays up front
	credits gateway.Micros  // granted to it before the calls
	calls   int             // summaries asked for, one after the other
	stream  bool
	// code is the last call's error code, "" for success; the calls
	// before it succeed.
	code      gateway.Code
	limitedBy string // the limit that refused the last call
}

var cases = []summaryCase{
	{name: "Reply", calls: 1},
	{name: "Stream", calls: 1, stream: true},
	{
		name:    "RateLimited",
		account: gateway.Account{Limits: gateway.Limits{RequestsPerMinute: 1}},
		calls:   2, code: gateway.CodeRateLimited, limitedBy: "requests_per_minute",
	},
	{
		// 1,000 micros pay for a summary (98) but not for the hold on its
		// longest answer (200 tokens at $10/M is 2,000): the gateway
		// refuses before calling the provider.
		name:    "NoCredits",
		account: gateway.Account{Prepaid: true}, credits: 1_000,
		calls: 1, code: gateway.CodeNoCredits,
	},
	{
		name:    "ChargedExactly",
		account: gateway.Account{Prepaid: true}, credits: 10_000,
		calls: 2,
	},
}

// TestSummarize runs every case on every Store, each on a fresh one.
func TestSummarize(t *testing.T) {
	for _, st := range stores {
		for _, tc := range cases {
			t.Run(st.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				runCase(t, st.open(t), tc)
			})
		}
	}
}

// runCase asks for tc's summaries and checks what the Service returned,
// then what the gateway wrote: the request records and, for a prepaid
// account, the ledger and the balance.
func runCase(t *testing.T, store gateway.Store, tc summaryCase) {
	is := is.New(t)
	ctx := t.Context()
	svc := newService(t, store)
	admin := svc.Admin()

	acct := tc.account // a copy: CreateAccount fills in the ID
	acct.Name = "tenant"
	_, err := admin.CreateAccount(ctx, &acct)
	is.NoErr(err)
	if tc.credits > 0 {
		_, err = admin.Credit(ctx, gateway.Credit{AccountID: acct.ID, Kind: gateway.EntryGrant,
			Amount: tc.credits, Actor: "test", Reason: "opening balance"})
		is.NoErr(err)
	}

	var got string
	for i := range tc.calls {
		var b strings.Builder
		if tc.stream {
			err = svc.SummarizeStream(ctx, acct.ID, "ada", text, &b)
		} else {
			var s string
			s, err = svc.Summarize(ctx, acct.ID, "ada", text)
			b.WriteString(s)
		}
		got = b.String()
		if i < tc.calls-1 {
			is.NoErr(err) // the calls before the last succeed
		}
	}
	is.Equal(gateway.ErrorCode(err), tc.code) // the last call's outcome
	if tc.code == "" {
		is.Equal(got, reply)
	}

	// Records and charges are written in the background: flush them
	// before reading.
	is.NoErr(svc.Flush(ctx))
	recs, err := admin.Records(ctx, gateway.RecordFilter{AccountID: acct.ID})
	is.NoErr(err)
	is.Equal(len(recs), tc.calls) // one record per call, refused ones too
	ok := 0
	for _, r := range recs {
		is.Equal(r.Model, model)
		is.Equal(r.KeyID, gateway.PrincipalKeyPrefix+"ada") // recorded under the user
		if r.Code != "" {
			is.Equal(len(r.Attempts), 0) // refused before any provider call
			continue
		}
		ok++
		is.Equal(r.Stream, tc.stream)
		// Compare the counts, not the struct: SQLite gives back empty
		// token details where memory keeps nil, and the Store port
		// promises the numbers, not the pointers.
		is.Equal(r.Usage.PromptTokens, usage.PromptTokens)
		is.Equal(r.Usage.CompletionTokens, usage.CompletionTokens)
		is.Equal(r.Usage.TotalTokens, usage.TotalTokens)
		is.Equal(r.Cost, cost) // metered, prepaid or not
	}
	is.Equal(recs[0].Code, tc.code) // newest first: the last call
	is.Equal(recs[0].LimitedBy, tc.limitedBy)

	// A prepaid account is charged each summary's exact cost, once;
	// other accounts are only metered.
	entries, err := admin.Ledger(ctx, gateway.LedgerFilter{AccountID: acct.ID, Kind: gateway.EntryUsage})
	is.NoErr(err)
	charged := 0
	if acct.Prepaid {
		charged = ok
	}
	is.Equal(len(entries), charged)
	for _, e := range entries {
		is.Equal(e.Amount, -cost)
	}
	bal, err := admin.Balance(ctx, acct.ID)
	is.NoErr(err)
	is.Equal(bal.Balance, tc.credits-gateway.Micros(charged)*cost)
	is.Equal(bal.Held, gateway.Micros(0)) // no hold outlives its request
	drift, err := admin.CheckLedger(ctx)
	is.NoErr(err)
	is.Equal(len(drift), 0) // the Store's balance is the sum of its entries
}
