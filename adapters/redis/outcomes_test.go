package redis_test

import (
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// TestOutcomesKeyExpires checks that figures expire about a window after
// they were last added to, and that reading them does not keep them.
func TestOutcomesKeyExpires(t *testing.T) {
	is := is.New(t)
	prefix := newPrefix()
	c := openWith(t, prefix, "")
	raw := rawClient(t)
	ctx := t.Context()
	key := prefix + "o:provider"

	_, err := c.AddOutcomes(ctx, "provider", 1, 1, time.Minute)
	is.NoErr(err)
	ms := pttl(t, raw, key)
	is.True(ms > 53_000 && ms <= 60_000) // until the bucket leaves the window

	o, err := c.AddOutcomes(ctx, "none", 0, 0, time.Minute)
	is.NoErr(err)
	is.Equal(o, gateway.Outcomes{})
	is.Equal(pttl(t, raw, prefix+"o:none"), int64(-2)) // zeros write nothing

	_, err = c.AddOutcomes(ctx, "short", 2, 3, 200*time.Millisecond)
	is.NoErr(err)
	waitGone(t, raw, prefix+"o:short", 2*time.Second)
}

// TestOutcomesNewWindowStartsFresh checks that figures counted for
// another window are dropped, as in the memory Cache.
func TestOutcomesNewWindowStartsFresh(t *testing.T) {
	is := is.New(t)
	c := open(t)
	ctx := t.Context()
	_, err := c.AddOutcomes(ctx, "k", 5, 5, time.Minute)
	is.NoErr(err)
	o, err := c.AddOutcomes(ctx, "k", 1, 0, time.Hour)
	is.NoErr(err)
	is.Equal(o, gateway.Outcomes{Successes: 1})
	o, err = c.AddOutcomes(ctx, "k", 0, 0, time.Minute)
	is.NoErr(err)
	is.Equal(o, gateway.Outcomes{}) // and back: the hour's figures are gone too
	o, err = c.AddOutcomes(ctx, "k", 0, 2, time.Minute)
	is.NoErr(err)
	is.Equal(o, gateway.Outcomes{Failures: 2})
}

// TestOutcomesSubMicrosecondWindow checks that a window under 10µs still
// gets buckets a microsecond wide.
func TestOutcomesSubMicrosecondWindow(t *testing.T) {
	is := is.New(t)
	c := open(t)
	o, err := c.AddOutcomes(t.Context(), "k", 1, 0, time.Nanosecond)
	is.NoErr(err)
	is.Equal(o, gateway.Outcomes{Successes: 1})
}
