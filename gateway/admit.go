package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RateWindow is the state of the tightest limit of one kind, as the
// x-ratelimit-* headers report it.
type RateWindow struct {
	Limit     int64
	Remaining int64
	// Reset is how long until the limit is whole again.
	Reset time.Duration
}

// RateStatus is what a request learnt of its limits; nil fields were not
// limited.
type RateStatus struct {
	Requests *RateWindow
	Tokens   *RateWindow
}

// admission is what a request took from its limits, to be settled when it
// ends.
type admission struct {
	requests []Bucket // request-count buckets, one unit taken from each
	tokens   []Bucket // token buckets with the units taken from each
	leases   []string // concurrency holds placed under the request id
	// ticket is what one Cache.Admit took (the key's and the account's
	// limits, and the balance's hold), for one Cache.Finish; its token
	// buckets are in ticketTokens and, if a later step refused the
	// request, the request buckets to give back in giveBack.
	ticket       *Ticket
	ticketTokens []Bucket
	giveBack     []Bucket
	funds        *heldFunds // the balance's hold in the ticket
}

// scope is a set of limits and the prefix of its bucket keys.
type scope struct {
	kind, id string // for messages, as name makes them
	prefix   string
	limits   Limits
}

// name says whose limits these are, for messages: "key key_1", "account
// acc_1", "the gateway". Made only when a message needs it, off the path
// of the requests that pass.
func (s scope) name() string {
	if s.id == "" {
		return s.kind
	}
	return s.kind + " " + s.id
}

// scopes returns the limits that apply to c: its key's and its account's,
// which share one hash tag so one Take covers both, and the gateway's.
func (g *Gateway) scopes(c *Caller) (tagged []scope, global scope) {
	tag := "rl:{" + c.Account.ID + "}:"
	return []scope{
		{"key", c.Key.ID, tag + "k:" + c.Key.ID + ":", c.Key.Limits},
		{"account", c.Account.ID, tag + "a:", c.Account.Limits},
	}, scope{"the gateway", "", "rl:{gateway}:", g.settings().Limits}
}

// settings returns the settings in force: the stored ones in the
// Snapshot, else the Config's.
func (g *Gateway) settings() Settings {
	if s := g.snapshot().settings; s != nil {
		return *s
	}
	return Settings{Limits: g.cfg.Limits, Anonymous: g.cfg.Anonymous}
}

// admit takes one request and an estimate of its tokens from every limit
// of c, and a concurrency lease, or refuses with CodeRateLimited naming
// the limit. It records what it took in in.adm; a refused request gives
// back what it had taken, so it counts against no limit.
func (g *Gateway) admit(ctx context.Context, c *Caller, in *inflight, estimate int64) error {
	tagged, global := g.scopes(c)
	in.adm = &admission{}
	status := &RateStatus{}
	c.RateStatus = status
	return g.takeGroups(ctx, in, status, [][]scope{tagged, {global}}, estimate)
}

// takeGroups takes from the limits of each group of scopes (one Take
// per group, whose keys share a hash tag) and then a lease on each
// scope's concurrency limit, recording it all in in.adm; on a refusal it
// gives back the request units it took.
func (g *Gateway) takeGroups(ctx context.Context, in *inflight, status *RateStatus, groups [][]scope, estimate int64) error {
	adm := in.adm
	taken := len(adm.requests)
	err := g.take(ctx, in, status, groups, estimate)
	if err != nil && len(adm.requests) > taken {
		g.limiter.adjust(ctx, shifted(nil, adm.requests[taken:], 0))
		adm.requests = adm.requests[:taken]
	}
	return err
}

func (g *Gateway) take(ctx context.Context, in *inflight, status *RateStatus, groups [][]scope, estimate int64) error {
	adm := in.adm
	for _, group := range groups {
		lbs := bucketsFor(group, estimate)
		if len(lbs) == 0 {
			continue
		}
		buckets := make([]Bucket, len(lbs))
		for i, lb := range lbs {
			buckets[i] = lb.Bucket
		}
		a, err := g.limiter.take(ctx, buckets)
		if err != nil {
			return err
		}
		status.observe(lbs, a.Remaining)
		if !a.Allowed {
			in.rec.LimitedBy = lbs[a.Refused].dim
			return rateLimited(lbs[a.Refused].name(), a.RetryAfter)
		}
		for _, lb := range lbs {
			if lb.tokens {
				adm.tokens = append(adm.tokens, lb.Bucket)
			} else {
				adm.requests = append(adm.requests, lb.Bucket)
			}
		}
	}
	for _, group := range groups {
		for _, s := range group {
			if s.limits.Concurrent == 0 {
				continue
			}
			key := s.prefix + "cc"
			r, err := g.limiter.reserve(ctx, key, in.rec.ID, s.limits.Concurrent)
			if err != nil {
				return err
			}
			if !r.Granted {
				in.rec.LimitedBy = "concurrent"
				return concurrencyLimited(s)
			}
			adm.leases = append(adm.leases, key)
		}
	}
	return nil
}

func concurrencyLimited(s scope) error {
	return rateLimited(fmt.Sprintf("concurrent requests on %s (limit %d)", s.name(), s.limits.Concurrent), time.Second)
}

// settle gives back what the request took, outside a ticket, beyond what
// it used: the difference between its estimate and its real tokens, and
// its leases.
func (g *Gateway) settle(ctx context.Context, in *inflight) {
	adm := in.adm
	if adm == nil {
		return
	}
	if len(adm.tokens) > 0 {
		g.limiter.adjust(ctx, shifted(nil, adm.tokens, int64(in.rec.Usage.TotalTokens)))
	}
	for _, key := range adm.leases {
		g.limiter.release(ctx, key, in.rec.ID)
	}
}

// shifted appends to dst each of buckets with its N replaced by to - N:
// with to the tokens used it corrects what a bucket took to what was
// used; with 0 it gives back all it took.
func shifted(dst, buckets []Bucket, to int64) []Bucket {
	for _, b := range buckets {
		b.N = to - b.N
		dst = append(dst, b)
	}
	return dst
}

// limitBucket is the bucket of one limited dimension, with what it is
// called in messages and whether it counts tokens.
type limitBucket struct {
	Bucket
	kind, id string // the scope's, for messages
	dim      string // the dimension, as in Limits' field names
	tokens   bool
}

// name says what the bucket limits, for a refusal's message; made only
// when one is refused, off the path of the requests that pass.
func (b *limitBucket) name() string {
	return fmt.Sprintf("%s on %s (limit %d)", strings.ReplaceAll(b.dim, "_", " "), scope{kind: b.kind, id: b.id}.name(), b.Limit)
}

// bucketsFor lists the buckets of the limited dimensions of scopes, with
// the units a request takes: 1 for request counts, the estimate (at most
// the limit) for tokens.
func bucketsFor(scopes []scope, estimate int64) []limitBucket {
	n := 0
	for _, s := range scopes {
		for _, d := range s.limits.dimensions() {
			if d.value != 0 && d.window != 0 {
				n++
			}
		}
	}
	out := make([]limitBucket, 0, n)
	for _, s := range scopes {
		for _, d := range s.limits.dimensions() {
			if d.value == 0 || d.window == 0 {
				continue
			}
			b := Bucket{Limit: d.value, Window: d.window, N: 1}
			if d.tokens {
				if estimate <= 0 {
					continue
				}
				b.Key = s.prefix + "t" + d.name
				b.N = min(estimate, d.value)
			} else {
				b.Key = s.prefix + "r" + d.name
			}
			out = append(out, limitBucket{Bucket: b, kind: s.kind, id: s.id, dim: d.name, tokens: d.tokens})
		}
	}
	return out
}

func rateLimited(what string, after time.Duration) error {
	secs := max(int64((after+time.Second-1)/time.Second), 1)
	return &Error{
		Code: CodeRateLimited, Type: "rate_limit_exceeded", RetryAfter: after,
		Message: fmt.Sprintf("Rate limit reached for %s. Please try again in %ds.", what, secs),
	}
}

// observe keeps, per kind, the bucket with the fewest units left.
func (s *RateStatus) observe(buckets []limitBucket, remaining []int64) {
	for i, b := range buckets {
		left := int64(0)
		if i < len(remaining) {
			left = remaining[i]
		}
		dst := &s.Requests
		if b.tokens {
			dst = &s.Tokens
		}
		if *dst != nil && left >= (*dst).Remaining {
			continue
		}
		if *dst == nil {
			*dst = new(RateWindow) // the status's own: set in place after
		}
		**dst = RateWindow{Limit: b.Limit, Remaining: left,
			Reset: time.Duration(float64(b.Limit-left) / float64(b.Limit) * float64(b.Window)).Round(time.Millisecond)}
	}
}
