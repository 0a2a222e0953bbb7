package redis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	"github.com/tollgate-ai/tollgate/gateway"
)

// leaseKey is where Admit keeps the concurrency leases of key: a sorted
// set of the tickets' ids, each scored with the server time its lease
// lapses, in microseconds. Unlike Reserve's holds, its hash tag is key's
// own, so that a ticket's leases share a Cluster slot with its buckets
// and funds. (Versions before this one kept leases in hashes at "l:";
// the new name keeps the two from meeting while both run.)
func (c *Cache) leaseKey(key string) string { return c.prefix + "q:" + key }

// admitScript takes a ticket's buckets, leases and funds hold, all or
// none, on the server's clock.
//
// KEYS: the nb buckets, the nl lease sets, then (when ARGV[3] is "1")
// the account's holds and balance. ARGV[1] nb, ARGV[2] nl, ARGV[3]
// whether there are funds, ARGV[4] the ticket's id; ARGV[5] the buckets'
// doubles, as in takeScript; ARGV[6] more doubles: the leases' ttl in
// microseconds, each lease's limit, then the hold's ttl in microseconds;
// ARGV[7] and ARGV[8] the hold's amount and the balance's seed, decimal
// strings. Returns doubles: allowed (1 or 0); the 0-based index of the
// refused bucket (-1); the microseconds until it holds its units; the
// 0-based index of the full lease (-1); broke (1 when the funds were
// refused); the balance and the holds on it (after the call when
// allowed, 0 without funds); then each bucket's whole units.
var admitScript = rueidis.NewLuaScript(luaBuckets + luaOpenHolds + luaBalance + `
local nb, nl, funds, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1', ARGV[4]
local nums = ARGV[6]
local refused, wait, taken = takeAll(nb, ARGV[5])
local function answer(ok, lease, broke, bal, held)
  local out = {ok, refused and refused - 1 or -1, wait, lease, broke, bal, held}
  for i = 1, nb do out[7 + i] = whole(taken[i]) end
  return packed(out, 7 + nb)
end
if refused then return answer(0, -1, 0, 0, 0) end

-- A lease is a member of its key's sorted set, scored with the server
-- time it lapses (as a hold, once now >= it). places[i] is the count of
-- lease i when the ticket is to place it, false when it holds it
-- already. Lapsed leases only matter when the set looks full, so only
-- then are they dropped and the rest counted again; until then a lapsed
-- lease (of a request whose instance died) waits in the set, which the
-- limit bounds and which expires with its latest lease.
local places = {}
for i = 1, nl do
  local key = KEYS[nb + i]
  local limit = struct.unpack('<d', nums, 8 * i + 1)
  local n = redis.call('ZCARD', key)
  if n + 1 > limit and redis.call('ZREMRANGEBYSCORE', key, '-inf', int(now)) > 0 then
    n = redis.call('ZCARD', key)
  end
  if n + 1 <= limit then
    places[i] = n
  elseif redis.call('ZSCORE', key, id) then
    places[i] = false
  else
    for j = 1, nb do taken[j].level = taken[j].loaded end
    return answer(0, i - 1, 0, 0, 0)
  end
end

local bal, held = 0, 0
if funds then
  local hk, bk = KEYS[nb + nl + 1], KEYS[nb + nl + 2]
  bal = balance(bk, ARGV[8])
  local h = open(hk, now, id)
  held = h.sum
  if h.mine then
    held = held + tonumber(h.mine)
  else
    local amount = tonumber(ARGV[7])
    if h.sum + amount > bal then
      for j = 1, nb do taken[j].level = taken[j].loaded end
      return answer(0, -1, 1, bal, h.sum)
    end
    add(hk, h, id, ARGV[7], now + struct.unpack('<d', nums, 8 * (nl + 1) + 1))
    held = held + amount
  end
end

if nl > 0 then
  local ttl = struct.unpack('<d', nums, 1)
  local lapses, ms = int(now + ttl), int(math.ceil(ttl / 1000) + 1)
  for i = 1, nl do
    local key = KEYS[nb + i]
    -- NX: a lease the ticket holds already keeps its time. The set
    -- lives until its latest lease lapses: a new set gets the expiry,
    -- one with leases has it only raised (GT).
    if places[i] and redis.call('ZADD', key, 'NX', lapses, id) == 1 then
      if places[i] == 0 then
        redis.call('PEXPIRE', key, ms)
      else
        redis.call('PEXPIRE', key, ms, 'GT')
      end
    end
  end
end
storeAll()
return answer(1, -1, 0, bal, held)
`)

// finishScript moves a ticket's buckets, removes its leases and settles
// its funds, on the server's clock.
//
// KEYS: the nb buckets, the nl lease sets, then (when ARGV[3] is "1")
// the account's holds, balance and the id's settled marker. ARGV[1] nb,
// ARGV[2] nl, ARGV[3] whether there are funds, ARGV[4] the id; ARGV[5]
// the buckets' doubles, as in adjustScript; then the cost, the seed and
// how long to remember the id, in milliseconds. Returns first ("1" or
// "0") and what was charged, as settleFundsScript.
var finishScript = rueidis.NewLuaScript(luaBuckets + luaOpenHolds + luaBalance + `
local nb, nl, funds, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1', ARGV[4]
adjustAll(nb, ARGV[5])
storeAll()
for i = 1, nl do
  redis.call('ZREM', KEYS[nb + i], id)
end
if not funds then return {'0', '0'} end
local base = 5
local hk, bk, sk = KEYS[nb + nl + 1], KEYS[nb + nl + 2], KEYS[nb + nl + 3]
` + luaSettle + `
`)

// Admit takes a ticket's buckets, leases and funds, all or none, in one
// script call; see gateway.Cache. Its leases live at q:<lease key>, so
// only Finish removes them (Release does not see them).
func (c *Cache) Admit(ctx context.Context, t gateway.Ticket) (gateway.Admission, error) {
	if err := checkTicket(t); err != nil {
		return gateway.Admission{}, err
	}
	keys, args := c.ticketArgs(t, t.Buckets, true)
	if err := c.sameSlot(keys); err != nil {
		return gateway.Admission{}, err
	}
	raw, err := admitScript.Exec(ctx, c.client, keys, args).AsBytes()
	if err != nil {
		return gateway.Admission{}, c.fail(err)
	}
	r, err := readDoubles(raw, 7+len(t.Buckets))
	if err == nil && (int(r[1]) >= len(t.Buckets) || int(r[3]) >= len(t.Leases)) {
		err = errors.New("index out of range")
	}
	if err != nil {
		return gateway.Admission{}, gateway.Internal(fmt.Errorf("redis: admit script answered %x: %w", raw, err))
	}
	refused, lease := int(r[1]), int(r[3])
	a := gateway.Admission{Allowed: r[0] == 1, Refused: -1, Lease: lease, Broke: r[4] == 1,
		Remaining: remaining(t.Buckets, r[7:])}
	if t.Funds != nil {
		a.Funds = gateway.Funds{Balance: gateway.Micros(r[5]), Held: gateway.Micros(clamp(r[6], 0, math.MaxInt64)), Known: true}
	}
	if refused >= 0 {
		a.Refused = refused
		a.RetryAfter = waitDuration(r[2])
	}
	return a, nil
}

// Finish moves the buckets, removes the ticket's leases and settles its
// funds in one script call; see gateway.Cache.
func (c *Cache) Finish(ctx context.Context, t gateway.Ticket, adjust []gateway.Bucket, cost gateway.Micros) (gateway.Micros, bool, error) {
	for _, b := range adjust {
		if err := checkBucket(b, false); err != nil {
			return 0, false, err
		}
	}
	if cost < 0 {
		return 0, false, gateway.Invalid("cost", "a cost must not be negative")
	}
	keys, args := c.ticketArgs(t, adjust, false)
	if t.Funds != nil {
		keys = append(keys, c.settledKey(t.Funds.Account, t.ID))
		args = append(args, fmtMicros(cost), fmtMicros(t.Funds.Seed), strconv.FormatInt(gateway.SettleMemory.Milliseconds(), 10))
	}
	if err := c.sameSlot(keys); err != nil {
		return 0, false, err
	}
	r, err := finishScript.Exec(ctx, c.client, keys, args).AsStrSlice()
	if err != nil {
		return 0, false, c.fail(err)
	}
	if len(r) != 2 {
		return 0, false, gateway.Internal(fmt.Errorf("redis: finish script answered %q, want 2 strings", r))
	}
	charged, err := parseMicros(r[1])
	if err != nil {
		return 0, false, gateway.Internal(fmt.Errorf("redis: finish script answered %q", r))
	}
	return charged, r[0] == "1", nil
}

// ticketArgs returns the KEYS and ARGV the ticket scripts share: the
// buckets, the leases and the funds' holds and balance; the counts, the
// id and the buckets' doubles; and for admit, the doubles of the leases'
// ttl and limits and the hold's ttl, and the hold's amount and seed.
func (c *Cache) ticketArgs(t gateway.Ticket, buckets []gateway.Bucket, admit bool) (keys, args []string) {
	keys = make([]string, 0, len(buckets)+len(t.Leases)+3)
	funds := "0"
	if t.Funds != nil {
		funds = "1"
	}
	keys, nums := c.appendBuckets(keys, buckets)
	args = append(make([]string, 0, 8), strconv.Itoa(len(buckets)), strconv.Itoa(len(t.Leases)), funds, t.ID, nums)
	for _, l := range t.Leases {
		keys = append(keys, c.leaseKey(l.Key))
	}
	if f := t.Funds; f != nil {
		keys = append(keys, c.holdsKey(f.Account), c.balanceKey(f.Account))
	}
	if !admit {
		return keys, args
	}
	more := appendDouble(make([]byte, 0, 8*(len(t.Leases)+2)), float64(micros(t.LeaseTTL)))
	for _, l := range t.Leases {
		more = appendDouble(more, float64(l.Limit))
	}
	if f := t.Funds; f != nil {
		more = appendDouble(more, float64(micros(f.TTL)))
		return keys, append(args, string(more), fmtMicros(f.Amount), fmtMicros(f.Seed))
	}
	return keys, append(args, string(more))
}

// sameSlot checks, on a Cluster, that keys share a slot: a script may
// only touch keys of one slot, and rueidis would panic building a
// command across slots.
func (c *Cache) sameSlot(keys []string) error {
	if c.client.Mode() != rueidis.ClientModeCluster || len(keys) == 0 {
		return nil
	}
	first := slotOf(keys[0])
	for _, k := range keys[1:] {
		if slotOf(k) != first {
			return gateway.Errorf(gateway.CodeInvalid,
				"%s is not in the Redis Cluster slot of %s: the keys of one call must share a hash tag", k, keys[0])
		}
	}
	return nil
}

// waitDuration turns a script's wait in microseconds into a Duration of
// at least a microsecond.
func waitDuration(wait float64) time.Duration {
	return time.Duration(clamp(wait, 1, math.MaxInt64/int64(time.Microsecond))) * time.Microsecond
}

// checkTicket validates a ticket's buckets as Take does, and the rest as
// gateway.Ticket.Validate.
func checkTicket(t gateway.Ticket) error {
	for _, b := range t.Buckets {
		if err := checkBucket(b, true); err != nil {
			return err
		}
	}
	return t.Validate()
}
