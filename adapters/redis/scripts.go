package redis

import (
	"strings"

	"github.com/redis/rueidis"
)

// The scripts run with EVALSHA, falling back to EVAL the first time a
// server has not seen them (rueidis.Lua). Each touches exactly one key,
// named in KEYS, so a Cluster routes it like a plain command. None is
// retried after a network error: neither is idempotent.
//
// Redis runs a script atomically and, since Redis 5, replicates its
// effects rather than the script, so reading TIME inside one is allowed.
//
// A script that finds a key unusable answers with an error that starts
// with invalidPrefix, which isInvalid recognizes; the Go side never reads
// Redis's own error texts.

// invalidPrefix starts the error a script returns for a caller's mistake.
const invalidPrefix = "INVALID "

// isInvalid reports whether err is a script's invalidPrefix error.
func isInvalid(err error) bool {
	e, ok := rueidis.IsRedisErr(err)
	return ok && strings.HasPrefix(e.Error(), invalidPrefix)
}

// incrScript adds to a counter, giving it an expiry only when this call
// creates it.
//
// KEYS[1] the counter. ARGV[1] the delta. ARGV[2] the ttl in
// milliseconds, "0" for none. Returns the new value as a decimal string:
// INCRBY's integer reply becomes a Lua number (a double) inside a script,
// exact only up to 2^53, so the script reads the stored decimal back.
var incrScript = rueidis.NewLuaScript(`
if ARGV[2] ~= '0' then
  -- Create the key with its expiry only if it is missing; INCRBY then
  -- keeps whatever expiry the key has.
  redis.call('SET', KEYS[1], '0', 'NX', 'PX', ARGV[2])
end
local r = redis.pcall('INCRBY', KEYS[1], ARGV[1])
if type(r) == 'table' and r.err then
  -- Not an integer, or the sum overflows. The key existed, so the SET
  -- above changed nothing.
  return redis.error_reply('` + invalidPrefix + `' .. r.err)
end
return redis.call('GET', KEYS[1])
`)

// allowScript takes n units from a token bucket, on the server's clock.
//
// The bucket is a hash of four fields: level, the units it holds scaled
// by the window (units × window in microseconds), so that a refill of
// elapsed × limit is an exact integer; last, the server time of the last
// take in microseconds; and the limit and window it was made for. A
// missing bucket, or one made for another limit or window, is full.
//
// Levels and times are Lua numbers (doubles): exact while limit × window
// stays below 2^53 (a million units a day is 8.6e16 and already past it,
// where rounding is a part in 10^16).
//
// KEYS[1] the bucket. ARGV[1] the limit, ARGV[2] the window in
// microseconds, ARGV[3] n; 1 <= n <= limit. Returns three decimal
// strings: allowed ("1" or "0"), the whole units left, and the
// microseconds until n units are there ("0" when allowed). Strings,
// because Redis would turn a number past 2^63 - 1 (a limit near the
// int64 maximum is one, as a double) into garbage; Go clamps them.
//
// A refused call writes nothing, so its answer is computed from the same
// stored level as the next call's: waiting the returned time is enough.
// A bucket that was taken from expires when it will be full again (plus a
// millisecond, since PEXPIRE counts whole milliseconds): a new bucket
// would be the same, so idle buckets cost nothing.
var allowScript = rueidis.NewLuaScript(`
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local full = limit * window
local cost = n * window

local level = full
local b = redis.call('HMGET', KEYS[1], 'level', 'last', 'limit', 'window')
if b[1] and tonumber(b[3]) == limit and tonumber(b[4]) == window then
  local last = tonumber(b[2])
  -- A clock that went back (a failover to a replica) refills nothing
  -- rather than taking refills back.
  if now < last then now = last end
  level = math.min(full, tonumber(b[1]) + (now - last) * limit)
end

if level >= cost then
  level = level - cost
  redis.call('HSET', KEYS[1], 'level', level, 'last', now, 'limit', limit, 'window', window)
  local untilFull = math.ceil((full - level) / limit)
  redis.call('PEXPIRE', KEYS[1], math.ceil(untilFull / 1000) + 1)
  return {'1', string.format('%.0f', math.floor(level / window)), '0'}
end

local wait = math.ceil((cost - level) / limit)
-- Past 2^53 the products above round; step forward until the refill
-- really covers the cost, so that waiting exactly wait succeeds.
for _ = 1, 1000 do
  if level + wait * limit >= cost then break end
  wait = wait + 1
end
return {'0', string.format('%.0f', math.floor(level / window)), string.format('%.0f', wait)}
`)
