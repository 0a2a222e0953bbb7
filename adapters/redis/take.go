package redis

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/rueidis"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Take takes every bucket's N units or none, in one atomic step; see
// gateway.Cache. The buckets are the ones Allow uses (same keys, same
// values), so Allow and Take on one key share one bucket, on the Redis
// server's clock; a bucket named with another limit or window than it
// was made for starts new and full, as in Allow.
//
// It is one script call for all the buckets: the script refills each to
// now and, only when every one holds its N, takes from all of them; a
// refused call writes nothing. A key named twice in one call is one
// bucket: its takes add up. Remaining is whole units, 0 for a bucket in
// debt; RetryAfter is a whole number of microseconds, rounded up, as in
// Allow.
//
// The keys of one call must live in one Redis Cluster slot (callers give
// them a common hash tag, such as "{account}"); on a Cluster, keys in
// different slots are CodeInvalid. On a single Redis any keys go.
//
// CodeInvalid if a bucket's limit or window is not positive, or its N is
// not in [1, limit]. No buckets: allowed, nothing taken, no round trip.
func (c *Cache) Take(ctx context.Context, buckets []gateway.Bucket) (gateway.Admission, error) {
	for _, b := range buckets {
		if err := checkBucket(b, true); err != nil {
			return gateway.Admission{}, err
		}
	}
	if len(buckets) == 0 {
		return gateway.Admission{Allowed: true, Refused: -1, Remaining: []int64{}}, nil
	}
	keys, args, err := c.bucketArgs(buckets)
	if err != nil {
		return gateway.Admission{}, err
	}
	raw, err := takeScript.Exec(ctx, c.client, keys, args).AsBytes()
	if err != nil {
		return gateway.Admission{}, c.fail(err)
	}
	r, err := readDoubles(raw, 3+len(buckets))
	if err == nil && r[0] == 0 && (r[1] < 0 || int(r[1]) >= len(buckets)) {
		err = errors.New("refused index out of range")
	}
	if err != nil {
		return gateway.Admission{}, gateway.Internal(fmt.Errorf("redis: take script answered %x: %w", raw, err))
	}
	a := gateway.Admission{Allowed: r[0] == 1, Refused: -1, Remaining: remaining(buckets, r[3:])}
	if !a.Allowed {
		a.Refused = int(r[1])
		a.RetryAfter = waitDuration(r[2])
	}
	return a, nil
}

// Adjust moves each bucket's level by -N, into debt or back up to its
// limit, whatever it holds; see gateway.Cache. It is one script call for
// all the buckets: the script refills each to now, moves it, and writes
// it back with an expiry that lasts until it is full again (a debt
// included); a bucket left full is deleted, since a missing bucket is a
// full one. Keys as in Take.
//
// CodeInvalid if a bucket's limit or window is not positive.
func (c *Cache) Adjust(ctx context.Context, buckets []gateway.Bucket) error {
	for _, b := range buckets {
		if err := checkBucket(b, false); err != nil {
			return err
		}
	}
	if len(buckets) == 0 {
		return nil
	}
	keys, args, err := c.bucketArgs(buckets)
	if err != nil {
		return err
	}
	return c.fail(adjustScript.Exec(ctx, c.client, keys, args).Error())
}

// checkBucket validates a bucket of Take (take) or Adjust as the memory
// Cache does, with the same messages. (The memory Cache also refuses a
// limit past math.MaxInt, which only a 32-bit rate.Limiter needs.)
func checkBucket(b gateway.Bucket, take bool) error {
	switch {
	case b.Limit <= 0:
		return gateway.Errorf(gateway.CodeInvalid, "bucket %s: limit %d is not positive", b.Key, b.Limit)
	case b.Window <= 0:
		return gateway.Errorf(gateway.CodeInvalid, "bucket %s: window %v is not positive", b.Key, b.Window)
	case take && (b.N < 1 || b.N > b.Limit):
		return gateway.Errorf(gateway.CodeInvalid, "bucket %s: units %d are not between 1 and the limit %d", b.Key, b.N, b.Limit)
	}
	return nil
}

// bucketArgs returns the KEYS and ARGV of takeScript and adjustScript for
// buckets, which are valid and not empty. On a Cluster it checks that the
// keys share a slot: a script may only touch keys of one slot, and
// rueidis would panic building a command across slots.
func (c *Cache) bucketArgs(buckets []gateway.Bucket) (keys, args []string, err error) {
	keys, nums := c.appendBuckets(make([]string, 0, len(buckets)), buckets)
	if err := c.sameSlot(keys); err != nil {
		return nil, nil, err
	}
	return keys, []string{nums}, nil
}

// appendBuckets appends the buckets' keys to keys and returns them with
// the buckets' numbers as the bucket scripts read them: limit, window
// (µs) and units of each, as doubles.
func (c *Cache) appendBuckets(keys []string, buckets []gateway.Bucket) ([]string, string) {
	nums := make([]byte, 0, 24*len(buckets))
	for _, b := range buckets {
		keys = append(keys, c.bucketKey(b.Key))
		nums = appendDouble(nums, float64(b.Limit))
		nums = appendDouble(nums, float64(micros(b.Window)))
		nums = appendDouble(nums, float64(b.N))
	}
	return keys, string(nums)
}

// remaining turns the whole units a script found in each bucket into
// Admission.Remaining: between 0 (a bucket in debt) and the limit.
func remaining(buckets []gateway.Bucket, whole []float64) []int64 {
	out := make([]int64, len(buckets))
	for i, b := range buckets {
		out[i] = clamp(whole[i], 0, b.Limit)
	}
	return out
}

// slotOf returns the Redis Cluster hash slot of key (its hash tag's, if
// it has one), as rueidis computes it to route commands.
func slotOf(key string) uint16 {
	cmd := rueidis.Completed{}.SetSlot(key)
	return cmd.Slot()
}

// luaBuckets defines the token buckets of takeScript and adjustScript
// (Allow is a Take of one bucket). A bucket is a string of five
// little-endian doubles (struct.pack's '<ddddd', 40 bytes): level, the
// units it holds scaled by the window (units × window in microseconds),
// so that a refill of elapsed × limit is an exact integer; last, the
// server time of the last change in microseconds; the limit and window it
// was made for; and x, the time until which the key lives (0: not kept
// past the time it is full). A missing bucket, one made for another limit
// or window, or a value of another length, is full. Levels and times are
// Lua numbers (doubles): exact while limit × window stays below 2^53. A
// bucket expires when it will be full again, so idle buckets cost nothing.
//
// The doubles are binary, not decimal, because parsing and formatting
// decimals (glibc's strtod and printf, which go multi-precision past 15
// digits) was a fifth of the ticket scripts' instructions, and one string
// is one value to carry out of Redis rather than five.
//
// It sets now to the server's clock and defines
//
//	prefetch(n)               reads the buckets KEYS[1..n] with MGET, so
//	                          that load need not read them one by one.
//	load(key, limit, window)  the bucket at key, refilled to now, as a
//	                          table {level, at, limit, window, loaded}:
//	                          at is the time it is refilled to (now, or
//	                          its last time if the clock went back), and
//	                          loaded the level before this call changed
//	                          it. A key loaded again in the same call
//	                          gives the same table, so changes add up; with
//	                          another limit or window it gives a new full
//	                          bucket, as Allow would.
//	store(key)                writes the bucket of key back: SET KEEPTTL,
//	                          or SET PX for a window after it is full
//	                          again when the key would expire sooner (a
//	                          debt included; at most 1e15 ms, about 31,700
//	                          years, which PX accepts), or DEL when it is
//	                          full, as a missing bucket is.
//	whole(b)                  the whole units b holds; negative in debt
//	                          (the Go side clamps to 0).
//
// Levels may be negative (a debt, from Adjust): a refill pays it off
// first, and Allow and Take refuse until the bucket holds their units.
const luaBuckets = luaTime + luaPacked + `
local BUCKET = '<ddddd'
local buckets = {}
local fetched = {}

local function prefetch(n)
  for i = 1, n, 1000 do
    local last = math.min(i + 999, n)
    local vs = redis.call('MGET', unpack(KEYS, i, last))
    for j = i, last do fetched[KEYS[j]] = vs[j - i + 1] end
  end
end

local function load(key, limit, window)
  local full = limit * window
  local b = buckets[key]
  if b and b.limit == limit and b.window == window then
    return b
  end
  local level, at, x, existed = full, now, nil, false
  if not b then
    local v = fetched[key]
    if v == nil then v = redis.call('GET', key) end
    existed = v ~= false
    if v and #v == 40 then
      local l, last, lim, win, until_ = struct.unpack(BUCKET, v)
      if lim == limit and win == window then
        if until_ > 0 then x = until_ end
        -- A clock that went back (a failover to a replica) refills nothing
        -- rather than taking refills back.
        if at < last then at = last end
        level = math.min(full, l + (at - last) * limit)
      end
    end
  end
  b = {level = level, at = at, limit = limit, window = window, loaded = level, x = x, existed = existed or (b and b.existed)}
  buckets[key] = b
  return b
end

local function store(key)
  local b = buckets[key]
  local full = b.limit * b.window
  if b.level >= full then
    -- Full: a key that lives until x says so and keeps its expiry (the
    -- next take needs no new one); one without x goes, as a missing
    -- bucket is full; no key, nothing to write.
    if b.x then
      redis.call('SET', key, struct.pack(BUCKET, full, b.at, b.limit, b.window, b.x), 'KEEPTTL')
    elseif b.existed then
      redis.call('DEL', key)
    end
    return
  end
  local full_at = now + math.ceil((full - b.level) / b.limit)
  if b.x and full_at <= b.x then
    redis.call('SET', key, struct.pack(BUCKET, b.level, b.at, b.limit, b.window, b.x), 'KEEPTTL')
    return
  end
  -- The key outlives the time the bucket is full by a window, so that
  -- the writes within that window keep its expiry; a full bucket that
  -- lingers is read as full all the same.
  local x = full_at + b.window
  redis.call('SET', key, struct.pack(BUCKET, b.level, b.at, b.limit, b.window, x),
    'PX', int(math.min(math.ceil((x - now) / 1000) + 1, 1e15)))
end

local function whole(b)
  return math.floor(b.level / b.window)
end

-- storeAll writes back every bucket of the call once, in KEYS order
-- (keys that are not buckets, in a script that has others, are skipped).
local function storeAll()
  local done = {}
  for i = 1, #KEYS do
    if not done[KEYS[i]] and buckets[KEYS[i]] then
      done[KEYS[i]] = true
      store(KEYS[i])
    end
  end
end

-- takeAll loads the n buckets KEYS[1..n], whose limit, window and units
-- are the doubles of nums, three per bucket, and takes their units when
-- every one holds them. It returns the 1-based index
-- of the first bucket that lacks its units (nil when all were taken),
-- the microseconds until it holds them (rounded up and stepped past
-- double rounding, so that waiting exactly that long succeeds), and the
-- buckets. When one lacks its units, nothing is taken.
local function takeAll(n, nums)
  prefetch(n)
  local taken = {}
  local refused, wait = nil, 0
  local limit, window, units, pos = 0, 0, 0, 1
  for i = 1, n do
    limit, window, units, pos = struct.unpack('<ddd', nums, pos)
    local b = load(KEYS[i], limit, window)
    taken[i] = b
    if not refused then
      local cost = units * window
      if b.level >= cost then
        b.level = b.level - cost
      else
        refused = i
        wait = math.ceil((cost - b.level) / limit)
        for _ = 1, 1000 do
          if b.level + wait * limit >= cost then break end
          wait = wait + 1
        end
      end
    end
  end
  if refused then
    for i = 1, n do
      taken[i].level = taken[i].loaded -- nothing is taken
    end
  end
  return refused, wait, taken
end

-- adjustAll moves the n buckets KEYS[1..n] by -units, limit, window and
-- units the doubles of nums as in takeAll, into debt or up to their
-- limit.
local function adjustAll(n, nums)
  prefetch(n)
  local limit, window, units, pos = 0, 0, 0, 1
  for i = 1, n do
    limit, window, units, pos = struct.unpack('<ddd', nums, pos)
    local b = load(KEYS[i], limit, window)
    b.level = math.min(limit * window, b.level - units * window)
  end
end
`

// takeScript takes each bucket's units, all or none, on the server's
// clock.
//
// KEYS[i] bucket i. ARGV[1] three doubles per bucket: its limit, its
// window in microseconds and its units n, 1 <= n <= limit. Returns
// doubles: allowed (1 or 0); the 0-based index of the first bucket that
// lacks its units (-1 when allowed); the microseconds until that bucket
// holds them (0 when allowed; rounded up and stepped past double
// rounding, so that waiting exactly that long succeeds); then each
// bucket's whole units after the call.
//
// A refused call writes nothing, so the next call sees the same levels:
// waiting the returned time is enough for the refused bucket.
var takeScript = rueidis.NewLuaScript(luaBuckets + `
local refused, wait, taken = takeAll(#KEYS, ARGV[1])
local out = {1, -1, 0}
if refused then
  out = {0, refused - 1, wait}
else
  storeAll()
end
for i = 1, #KEYS do
  out[3 + i] = whole(taken[i])
end
return packed(out, 3 + #KEYS)
`)

// adjustScript moves each bucket's level by -n, into debt or up to its
// limit, on the server's clock.
//
// KEYS[i] bucket i. ARGV[1] three doubles per bucket: its limit, its
// window in microseconds and n, any integer. Returns "OK".
var adjustScript = rueidis.NewLuaScript(luaBuckets + `
adjustAll(#KEYS, ARGV[1])
storeAll()
return 'OK'
`)
