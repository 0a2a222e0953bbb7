package gateway

import (
	"reflect"
	"testing"
	"time"
)

func TestKeyTableRemakesKeysExactly(t *testing.T) {
	h, err := NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 11, 24, 10, 0, 0, 123, time.UTC)
	keys := []*Key{
		{ID: "key_1", AccountID: "acc_1", Name: "plain", Prefix: "tg-abc", Status: StatusActive, Epoch: 2, IssuedBy: "admin", CreatedAt: created},
		{ID: "key_2", AccountID: "acc_1", Name: "expiring", Prefix: "tg-def", Status: StatusActive, Namespace: "prod", Master: true,
			IssuedBy: "account:acc_1", CreatedAt: created, ExpiresAt: created.Add(time.Hour)},
		{ID: "key_3", AccountID: "acc_2", Name: "options", Status: StatusActive, Models: []string{"gpt-*"}, Namespaces: []string{},
			AllowedIPs: []string{"10.0.0.0/8"}, Limits: Limits{RequestsPerMinute: 5}, Budget: Budget{Daily: 7}, CreatedAt: created},
		{ID: "key_4", AccountID: "acc_2", Name: "empty lists", Status: StatusActive, Models: []string{}, CreatedAt: created},
		{ID: "key_5", AccountID: "acc_2", Name: "revoked", Status: StatusRevoked, CreatedAt: created},
	}
	secrets := make([]string, len(keys))
	for i, k := range keys {
		secrets[i] = NewKeySecret()
		k.Digest = h.Digest(secrets[i])
	}
	table := newKeyTable(keys)
	for i, k := range keys {
		d := h.digest(secrets[i])
		got, ok := table.find(&d.sum)
		h.release(d)
		if k.Status != StatusActive {
			if ok {
				t.Errorf("%s: a revoked key was found", k.Name)
			}
			continue
		}
		if !ok || !reflect.DeepEqual(got, k) {
			t.Errorf("%s: found %+v, want %+v", k.Name, got, k)
		}
		again, _ := table.find(&d.sum)
		if again != got {
			t.Errorf("%s: a second lookup made the key again", k.Name)
		}
	}
	var unknown [32]byte
	if _, ok := table.find(&unknown); ok {
		t.Error("an unknown digest was found")
	}
	d := h.digest(secrets[0])
	defer h.release(d)
	if n := testing.AllocsPerRun(100, func() { table.find(&d.sum) }); n != 0 {
		t.Errorf("a lookup of a used key allocates %v times", n)
	}
}
