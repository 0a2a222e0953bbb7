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
// KEYS: the nb buckets, the nl lease hashes, then (when ARGV[3] is "1")
// the account's holds and balance. ARGV[1] nb, ARGV[2] nl, ARGV[3]
// whether there are funds, ARGV[4] the ticket's id, ARGV[5] the leases'
// ttl in microseconds; then limit, window and units of each bucket, as
// in takeScript; then each lease's limit; then the funds' amount, seed
// and ttl in microseconds. Returns decimal strings: allowed; the 0-based
// index of the refused bucket (-1); the microseconds until it holds its
// units; the 0-based index of the full lease (-1); broke ("1" when the
// funds were refused); the balance and the holds on it (after the call
// when allowed, "0" without funds); then each bucket's whole units.
var admitScript = rueidis.NewLuaScript(luaBuckets + luaOpenHolds + luaBalance + `
local nb, nl, funds, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1', ARGV[4]
local refused, wait, taken = takeAll(nb, 5)
local function answer(ok, lease, broke, bal, held)
  local out = {ok, tostring(refused and refused - 1 or -1), int(wait), tostring(lease), broke,
    int(bal), int(held)}
  for i = 1, nb do out[7 + i] = whole(taken[i]) end
  return out
end
if refused then return answer('0', -1, '0', 0, 0) end

-- A lease is a member of its key's sorted set, scored with the server
-- time it lapses (as a hold, once now >= it). places[i] is the live
-- count of lease i when the ticket is to place it, false when it holds
-- it already.
local places = {}
local nowS = nl > 0 and int(now)
for i = 1, nl do
  local key = KEYS[nb + i]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', nowS)
  local n = redis.call('ZCARD', key)
  if n + 1 <= tonumber(ARGV[5 + 3 * nb + i]) then
    places[i] = n
  elseif redis.call('ZSCORE', key, id) then
    places[i] = false
  else
    for j = 1, nb do taken[j].level = taken[j].loaded end
    return answer('0', i - 1, '0', 0, 0)
  end
end

local bal, held = 0, 0
if funds then
  local base = 5 + 3 * nb + nl
  local hk, bk = KEYS[nb + nl + 1], KEYS[nb + nl + 2]
  bal = balance(bk, ARGV[base + 2])
  local h = open(hk, now, id)
  held = h.sum
  if h.mine then
    held = held + tonumber(h.mine)
  else
    if h.sum + tonumber(ARGV[base + 1]) > bal then
      for j = 1, nb do taken[j].level = taken[j].loaded end
      return answer('0', -1, '1', bal, h.sum)
    end
    add(hk, h, id, ARGV[base + 1], now + tonumber(ARGV[base + 3]))
    held = held + tonumber(ARGV[base + 1])
  end
end

if nl > 0 then
  local ttl = tonumber(ARGV[5])
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
return answer('1', -1, '0', bal, held)
`)

// finishScript moves a ticket's buckets, removes its leases and settles
// its funds, on the server's clock.
//
// KEYS: the nb buckets, the nl lease hashes, then (when ARGV[3] is "1")
// the account's holds, balance and the id's settled marker. ARGV[1] nb,
// ARGV[2] nl, ARGV[3] whether there are funds, ARGV[4] the id; then
// limit, window and n of each bucket, as in adjustScript; then the cost,
// the seed and how long to remember the id, in milliseconds. Returns
// first ("1" or "0") and what was charged, as settleFundsScript.
var finishScript = rueidis.NewLuaScript(luaBuckets + luaOpenHolds + luaBalance + `
local nb, nl, funds, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1', ARGV[4]
adjustAll(nb, 4)
storeAll()
for i = 1, nl do
  redis.call('ZREM', KEYS[nb + i], id)
end
if not funds then return {'0', '0'} end
local base = 4 + 3 * nb
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
	r, err := admitScript.Exec(ctx, c.client, keys, args).AsStrSlice()
	if err != nil {
		return gateway.Admission{}, c.fail(err)
	}
	bad := func(why error) error {
		return gateway.Internal(fmt.Errorf("redis: admit script answered %q: %w", r, why))
	}
	if len(r) != 7+len(t.Buckets) {
		return gateway.Admission{}, bad(fmt.Errorf("want %d strings", 7+len(t.Buckets)))
	}
	refused, err1 := strconv.Atoi(r[1])
	wait, err2 := strconv.ParseFloat(r[2], 64)
	lease, err3 := strconv.Atoi(r[3])
	bal, err4 := parseMicros(r[5])
	held, err5 := parseSum(r[6])
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return gateway.Admission{}, bad(err)
	}
	a := gateway.Admission{Allowed: r[0] == "1", Refused: -1, Lease: lease, Broke: r[4] == "1",
		Remaining: make([]int64, len(t.Buckets))}
	if t.Funds != nil {
		a.Funds = gateway.Funds{Balance: bal, Held: held, Known: true}
	}
	if refused >= 0 {
		if refused >= len(t.Buckets) {
			return gateway.Admission{}, bad(errors.New("refused index out of range"))
		}
		a.Refused = refused
		a.RetryAfter = waitDuration(wait)
	}
	for i, b := range t.Buckets {
		left, err := strconv.ParseFloat(r[7+i], 64)
		if err != nil {
			return gateway.Admission{}, bad(err)
		}
		a.Remaining[i] = clamp(left, 0, b.Limit)
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
// buckets, the leases and the funds' holds and balance, and before the
// buckets' arguments the counts, the id and (for admit) the leases' ttl;
// for admit, the leases' limits and the hold follow the buckets'.
func (c *Cache) ticketArgs(t gateway.Ticket, buckets []gateway.Bucket, admit bool) (keys, args []string) {
	keys = make([]string, 0, len(buckets)+len(t.Leases)+3)
	args = make([]string, 0, 5+3*len(buckets)+len(t.Leases)+3)
	funds := "0"
	if t.Funds != nil {
		funds = "1"
	}
	args = append(args, strconv.Itoa(len(buckets)), strconv.Itoa(len(t.Leases)), funds, t.ID)
	if admit {
		args = append(args, strconv.FormatInt(micros(t.LeaseTTL), 10))
	}
	keys, args = c.appendBuckets(keys, args, buckets)
	for _, l := range t.Leases {
		keys = append(keys, c.leaseKey(l.Key))
		if admit {
			args = append(args, strconv.FormatInt(l.Limit, 10))
		}
	}
	if f := t.Funds; f != nil {
		keys = append(keys, c.holdsKey(f.Account), c.balanceKey(f.Account))
		if admit {
			args = append(args, fmtMicros(f.Amount), fmtMicros(f.Seed), strconv.FormatInt(micros(f.TTL), 10))
		}
	}
	return keys, args
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
