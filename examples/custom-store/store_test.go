package customstore_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/memory"
	customstore "github.com/tollgate-ai/tollgate/examples/custom-store"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

// open returns a Store on a fresh file of its own in t's temporary
// directory, the rest in memory.
func open(t *testing.T) *customstore.Store {
	t.Helper()
	s, err := customstore.Open(filepath.Join(t.TempDir(), "accounts.json"), memory.NewStore())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStore runs the suite every Store adapter passes. Each subtest gets
// an empty Store; the account and key subtests run this package's code,
// the others the memory Store it delegates to, and the suite cannot tell.
// Run it with -race: many subtests race goroutines against one Store.
func TestStore(t *testing.T) {
	gatewaytest.TestStore(t, func(t *testing.T) gateway.Store { return open(t) })
}

// The suite checks each Store it is given from the outside; what is ours
// to check is that accounts and keys outlive the Store: a second Store on
// the same file has them, and a failed write keeps nothing.
func TestReopen(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "data", "accounts.json")
	is.NoErr(os.Mkdir(filepath.Dir(path), 0o700))
	s, err := customstore.Open(path, memory.NewStore())
	is.NoErr(err)
	created := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	acct := &gateway.Account{ID: "acc_1", Name: "acme", Status: gateway.StatusActive, DefaultNamespace: "default",
		Namespaces: []string{"staging"}, Limits: gateway.Limits{RequestsPerMinute: 60}, Prepaid: true, CreatedAt: created}
	key := &gateway.Key{ID: "key_1", AccountID: "acc_1", Digest: "d1", Status: gateway.StatusActive,
		Models: []string{"gpt-*"}, CreatedAt: created}
	is.NoErr(s.CreateAccount(ctx, acct))
	is.NoErr(s.CreateKey(ctx, key))

	again, err := customstore.Open(path, memory.NewStore())
	is.NoErr(err)
	gotAcct, err := again.GetAccount(ctx, "acc_1")
	is.NoErr(err)
	is.Equal(gotAcct, acct) // every field came back from the file
	gotKey, err := again.GetKey(ctx, "key_1")
	is.NoErr(err)
	is.Equal(gotKey, key)

	// A Store whose file cannot be written refuses the change, and keeps
	// nothing of it in memory either. A file where its directory was
	// makes every write fail, even as root.
	is.NoErr(os.RemoveAll(filepath.Dir(path)))
	is.NoErr(os.WriteFile(filepath.Dir(path), nil, 0o600))
	err = again.CreateAccount(ctx, &gateway.Account{ID: "acc_2", Name: "other", Status: gateway.StatusActive, DefaultNamespace: "default"})
	is.True(err != nil)
	_, err = again.GetAccount(ctx, "acc_2")
	is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound)
}
