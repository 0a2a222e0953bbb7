package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

// credentialNamed returns the stored credential of the provider called
// name.
func (f *fixture) credentialNamed(t *testing.T, providerID, name string) *gateway.Credential {
	t.Helper()
	cs, err := f.admin.Credentials(context.Background(), providerID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no credential %s", name)
	return nil
}

// awaitStatus waits until the Store holds the credential's status, then
// reloads: the gateway reloads itself after writing a status, but that
// reload may still be on its way when the Store already shows it.
func (f *fixture) awaitStatus(t *testing.T, providerID, name string, want gateway.Status) {
	t.Helper()
	if !within(2*time.Second, func() bool { return f.credentialNamed(t, providerID, name).Status == want }) {
		t.Fatalf("%s never became %s", name, want)
	}
	if err := f.gw.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestCredentialDisabledAfterFailuresThenBack(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	p := f.provider(t, "p", []string{"m"}, 10, 1) // p-a is picked first, p-b is the spare
	c := f.caller(t, gateway.KeySpec{})
	failed := upstreamErr(gateway.CodeUpstream, 503, false)
	for range 2 {
		f.fakes.get("p").fail(failed) // p-a fails, p-b answers
		_, err := f.gw.Chat(ctx, again(c), userChat("m", "hi"))
		is.NoErr(err)
	}
	// Two failures in a row (half the three that disable): degraded for a
	// backoff, passed over while p-b is healthy.
	f.awaitStatus(t, p.ID, "p-a", gateway.StatusDegraded)
	calls := len(f.fakes.get("p").callLog())
	for range 3 {
		_, err := f.gw.Chat(ctx, again(c), userChat("m", "hi"))
		is.NoErr(err)
	}
	for _, call := range f.fakes.get("p").callLog()[calls:] {
		is.Equal(call.cred, "p-b")
	}

	// The backoff over, p-a is tried first again; a third failure in a row
	// disables it.
	f.clock.Advance(time.Minute + time.Second)
	f.fakes.get("p").fail(failed)
	_, err := f.gw.Chat(ctx, again(c), userChat("m", "hi"))
	is.NoErr(err)
	f.awaitStatus(t, p.ID, "p-a", gateway.StatusDisabled)
	a := f.credentialNamed(t, p.ID, "p-a")
	is.Equal(a.DisabledUntil, f.clock.Now().Add(time.Minute)) // the first backoff
	is.True(a.StatusReason != "")
	events, err := f.admin.CredentialEvents(ctx, a.ID)
	is.NoErr(err)
	is.Equal(len(events), 2)
	is.Equal(events[0].To, gateway.StatusDisabled)
	is.Equal(events[1].To, gateway.StatusDegraded)
	is.Equal(events[1].From, gateway.StatusActive)

	calls = len(f.fakes.get("p").callLog())
	for range 3 {
		_, err := f.gw.Chat(ctx, again(c), userChat("m", "hi"))
		is.NoErr(err)
	}
	for _, call := range f.fakes.get("p").callLog()[calls:] {
		is.Equal(call.cred, "p-b") // p-a rests while disabled
	}

	f.clock.Advance(time.Minute + time.Second) // the backoff is over: p-a is tried again, and works
	for range 3 {
		_, err := f.gw.Chat(ctx, again(c), userChat("m", "hi"))
		is.NoErr(err)
	}
	f.awaitStatus(t, p.ID, "p-a", gateway.StatusActive)
}

func TestCredentialInvalidOnAuthError(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	p := f.provider(t, "p", []string{"m"}, 10, 1)
	c := f.caller(t, gateway.KeySpec{})
	f.fakes.get("p").fail(upstreamErr(gateway.CodeUpstream, 401, false))
	_, err := f.gw.Chat(ctx, c, userChat("m", "hi"))
	is.NoErr(err) // failed over to p-b
	f.awaitStatus(t, p.ID, "p-a", gateway.StatusInvalid)
	calls := len(f.fakes.get("p").callLog())
	for range 3 {
		_, err := f.gw.Chat(ctx, again(c), userChat("m", "hi"))
		is.NoErr(err)
	}
	for _, call := range f.fakes.get("p").callLog()[calls:] {
		is.Equal(call.cred, "p-b") // an invalid key is not tried until an admin acts
	}
}

// When every credential of a provider fails (an outage, or an IP-wide
// limit), none is disabled: that is the breaker's business.
func TestOutageDisablesNoCredential(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	p := f.provider(t, "p", []string{"m"}, 1, 1)
	c := f.caller(t, gateway.KeySpec{})
	failed := upstreamErr(gateway.CodeUpstream, 503, false)
	for range 4 {
		f.fakes.get("p").fail(failed, failed)
		_, err := f.gw.Chat(ctx, again(c), userChat("m", "hi"))
		is.Equal(gateway.ErrorCode(err), gateway.CodeUpstream)
	}
	time.Sleep(100 * time.Millisecond)
	for _, name := range []string{"p-a", "p-b"} {
		is.Equal(f.credentialNamed(t, p.ID, name).Status, gateway.StatusActive)
	}
}

func TestInvalidCredentialAlert(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	p := f.provider(t, "p", []string{"m"}, 10, 1)
	c := f.caller(t, gateway.KeySpec{})
	f.fakes.get("p").fail(upstreamErr(gateway.CodeUpstream, 403, false))
	_, err := f.gw.Chat(ctx, c, userChat("m", "hi"))
	is.NoErr(err)
	f.awaitStatus(t, p.ID, "p-a", gateway.StatusInvalid)
	f.clock.Advance(time.Minute)
	as := f.detected(t, gateway.AlertCredential)
	is.Equal(len(as), 1)
	is.Equal(as[0].Subject, "credential:"+f.credentialNamed(t, p.ID, "p-a").ID)
	_, err = f.admin.SetCredentialStatus(ctx, f.credentialNamed(t, p.ID, "p-a").ID, gateway.StatusActive, "rotated")
	is.NoErr(err)
	f.clock.Advance(time.Minute)
	as = f.detected(t, gateway.AlertCredential)
	is.Equal(as[0].Status, gateway.AlertResolved)
}

func TestPinnedCredential(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	p := f.provider(t, "p", []string{"m"}, 10, 1)
	c := f.caller(t, gateway.KeySpec{})
	b := f.credentialNamed(t, p.ID, "p-b")
	_, err := f.admin.PinCredential(ctx, b.ID)
	is.NoErr(err)
	for range 4 {
		_, err := f.gw.Chat(ctx, again(c), userChat("m", "hi"))
		is.NoErr(err)
	}
	for _, call := range f.fakes.get("p").callLog() {
		is.Equal(call.cred, "p-b") // pinned, despite p-a's weight
	}
	f.fakes.get("p").fail(upstreamErr(gateway.CodeUpstream, 503, false))
	_, err = f.gw.Chat(ctx, again(c), userChat("m", "hi"))
	is.NoErr(err) // the pinned one failed: p-a stood in
	_, err = f.admin.UnpinProvider(ctx, p.ID)
	is.NoErr(err)
	_, err = f.admin.PinCredential(ctx, "crd_missing")
	is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound)
}
