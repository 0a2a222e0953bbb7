package redis

import (
	"strings"

	"github.com/redis/rueidis"
)

// The scripts run with EVALSHA, falling back to EVAL the first time a
// server has not seen them (rueidis.Lua). Each touches exactly one key,
// named in KEYS, so a Cluster routes it like a plain command. None is
// retried after a network error: only Reserve's would be safe to repeat.
//
// Numbers inside a script are Lua numbers (doubles), exact up to 2^53;
// the scripts pass numbers to commands and back to Go as decimal strings
// formatted with %.0f, never as Lua numbers, which Redis would format in
// exponent notation or truncate past 2^63 - 1.
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

// luaInt defines int, which formats a whole number as a decimal string.
// It is C's integer formatting (%d) within the range of an int64: for
// numbers of 16 digits, such as the times in microseconds, glibc's
// floating-point formatting (%.0f, and the %.17g Redis applies to a Lua
// number passed to a command) works in multi-precision arithmetic and
// took a tenth of the ticket scripts' time. Past that range, %.0f.
const luaInt = `
local function int(x)
  if x > -9e18 and x < 9e18 then return string.format('%d', x) end
  return string.format('%.0f', x)
end
`

// luaTime sets now to the server's clock in microseconds: about 1.7e15
// today, far below 2^53. It includes luaInt.
const luaTime = luaInt + `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
`

// luaHdel defines hdel, which deletes a list of fields of the hash at key
// in batches, since unpack fails on thousands of values.
const luaHdel = `
local function hdel(key, fields)
  for i = 1, #fields, 1000 do
    redis.call('HDEL', key, unpack(fields, i, math.min(i + 999, #fields)))
  end
end
`

// luaOpenHolds defines the functions that read and change the holds of
// one account.
//
// The holds are a hash of id → the server time the hold lapses, in
// microseconds, as a little-endian double (8 bytes, struct.pack's '<d'),
// followed by the amount in micros as the Go side formatted it (kept
// verbatim, so Release returns it exactly at any size). A hold has
// lapsed when now >= expires, as in the memory Cache. One more field,
// whose name starts with a NUL byte so that no id can take it, keeps
// what the holds add up to as three doubles, so that a call costs the
// same with one hold open or thousands: the sum of the holds' amounts,
// the earliest expiry among them (a lower bound: it is not raised when
// that hold is released) and a time at or after the latest, until which
// the key lives (a hold that outlives it sets it to twice the hold's ttl
// ahead). While the earliest expiry is ahead of now no hold can have
// lapsed, so nothing is scanned; once it is not, one HGETALL drops the
// lapsed holds (and any field that is not a hold) and sets the totals
// right. A hash without them is scanned the same way. In steady traffic
// that is one scan per account per hold ttl. Sums are doubles: exact
// while they stay below 2^53 micros.
//
//	open(key, now, id)  the live holds as a table {sum, first, last,
//	                    mine}: sum excludes id, and mine is id's amount
//	                    as its stored decimal string (nil if id is not
//	                    held).
//	add(key, h, id, amount, expires)
//	                    places a hold that open found missing (amount the
//	                    decimal string) and keeps the key until the
//	                    latest hold lapses; now is luaTime's.
//	remove(key, h, id)  removes id's hold, found by open; the key stays
//	                    until its expiry, even with no hold left, so
//	                    that the next hold needs no PEXPIRE.
const luaOpenHolds = luaHdel + `
local TOTALS = '\0totals'

local function hold(v)
  if not v or #v < 9 then return nil end
  local amount = string.sub(v, 9)
  if not string.match(amount, '^%d+$') then return nil end
  return amount, struct.unpack('<d', v)
end

local function rescan(key, now)
  local all = redis.call('HGETALL', key)
  local sum, first, last = 0, nil, 0
  local drop = {}
  for i = 1, #all, 2 do
    local amount, expires
    if string.byte(all[i]) ~= 0 then amount, expires = hold(all[i + 1]) end
    if all[i] == TOTALS then
      -- rewritten below
    elseif not amount or now >= expires then
      drop[#drop + 1] = all[i] -- lapsed, or not a hold
    else
      sum = sum + tonumber(amount)
      if not first or expires < first then first = expires end
      if expires > last then last = expires end
    end
  end
  if not first then
    if #all > 0 then redis.call('DEL', key) end
    return 0, nil, 0
  end
  hdel(key, drop)
  redis.call('HSET', key, TOTALS, struct.pack('<ddd', sum, first, last))
  return sum, first, last
end

local function open(key, now, id)
  local m = redis.call('HMGET', key, TOTALS, id or TOTALS)
  local sum, first, last, v = nil, nil, nil, m[2]
  if m[1] and #m[1] == 24 then sum, first, last = struct.unpack('<ddd', m[1]) end
  if not sum or first <= now then
    sum, first, last = rescan(key, now)
    if id and first then v = redis.call('HGET', key, id) else v = nil end
  end
  local h = {sum = sum, first = first, last = last}
  if id and first then
    local amount = hold(v)
    if amount then
      h.mine = amount
      h.sum = sum - tonumber(amount)
    end
  end
  return h
end

local function keep(key, now, latest)
  if latest > now then
    redis.call('PEXPIRE', key, int(math.ceil((latest - now) / 1000)))
  end
end

local function add(key, h, id, amount, expires)
  local total = h.sum + tonumber(amount)
  local first = h.first
  if not first or expires < first then first = expires end
  -- A hold that outlives the key makes it live twice the hold's ttl, so
  -- that the holds placed after it, for a while, need no PEXPIRE.
  local last = h.last
  local renew = expires > last
  if renew then last = expires + (expires - now) end
  redis.call('HSET', key, id, struct.pack('<d', expires) .. amount, TOTALS, struct.pack('<ddd', total, first, last))
  if renew then keep(key, now, last) end
end

local function remove(key, h, id)
  -- The key's expiry stays: it is the latest hold's, or later. A key
  -- left without holds stays until then too, so that the next hold
  -- needs no PEXPIRE.
  redis.call('HDEL', key, id)
  redis.call('HSET', key, TOTALS, struct.pack('<ddd', h.sum, h.first, h.last))
end
`

// reserveScript places a hold when the account's live holds leave room.
//
// KEYS[1] the account's holds (see luaOpenHolds). ARGV[1] the hold's id,
// ARGV[2] its amount (positive), ARGV[3] the limit, ARGV[4] the ttl in
// microseconds (positive). Returns two decimal strings: granted ("1" or
// "0") and the sum of the live holds after the call.
//
// An id that is held already is granted again and left as it was, expiry
// included. A new hold sets the key's expiry to the latest hold's.
var reserveScript = rueidis.NewLuaScript(luaTime + luaOpenHolds + `
local amount, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local h = open(KEYS[1], now, ARGV[1])
if h.mine then
  return {'1', int(h.sum + tonumber(h.mine))}
end
if h.sum + amount > limit then
  return {'0', int(h.sum)}
end
add(KEYS[1], h, ARGV[1], ARGV[2], now + tonumber(ARGV[4]))
return {'1', int(h.sum + amount)}
`)

// releaseScript removes a hold.
//
// KEYS[1] the account's holds. ARGV[1] the hold's id. Returns two
// strings: found ("1" or "0") and the hold's amount as stored ("0" when
// not found). The key's expiry follows the latest hold left; a key left
// with no holds is gone.
var releaseScript = rueidis.NewLuaScript(luaTime + luaOpenHolds + `
local h = open(KEYS[1], now, ARGV[1])
if not h.mine then
  return {'0', '0'}
end
remove(KEYS[1], h, ARGV[1])
return {'1', h.mine}
`)

// heldScript sums an account's live holds, deleting lapsed ones.
//
// KEYS[1] the account's holds. Returns the sum as a decimal string.
var heldScript = rueidis.NewLuaScript(luaTime + luaOpenHolds + `
return int(open(KEYS[1], now, nil).sum)
`)

// outcomesScript adds successes and failures to a key's figures and
// returns the totals over the window, on the server's clock.
//
// The figures are a hash: field "w" holds the window (in microseconds)
// they were counted for, and each time bucket n (the server time in
// microseconds divided by the bucket width, a tenth of the window) has a
// field "s<n>" of successes and "f<n>" of failures, counted by HINCRBY,
// so the stored counts are exact int64s. A bucket counts while it is one
// of the last ten, bucket now included (a bucket ahead of now, after the
// server's clock went back, counts too, as in the memory Cache); older
// ones are deleted. Figures counted for another window are dropped.
//
// KEYS[1] the figures. ARGV[1] successes, ARGV[2] failures (not
// negative), ARGV[3] the window and ARGV[4] the bucket width, both in
// microseconds, width >= 1. Returns two decimal strings: the successes
// and failures over the window. Totals are doubles: exact below 2^53.
//
// Adding zeros writes no figures and leaves the expiry alone (it only
// drops stale fields); adding anything sets the key to expire when its
// newest bucket leaves the window, so idle figures cost nothing.
var outcomesScript = rueidis.NewLuaScript(luaTime + luaHdel + `
local width = tonumber(ARGV[4])
local cur = math.floor(now / width)
local w = redis.call('HGET', KEYS[1], 'w')
if w and w ~= ARGV[3] then
  redis.call('DEL', KEYS[1]) -- a new window starts new figures
  w = nil
end
local adding = ARGV[1] ~= '0' or ARGV[2] ~= '0'
if adding then
  local n = int(cur)
  if not w then redis.call('HSET', KEYS[1], 'w', ARGV[3]) end
  if ARGV[1] ~= '0' then redis.call('HINCRBY', KEYS[1], 's' .. n, ARGV[1]) end
  if ARGV[2] ~= '0' then redis.call('HINCRBY', KEYS[1], 'f' .. n, ARGV[2]) end
end
local all = redis.call('HGETALL', KEYS[1])
local successes, failures = 0, 0
local stale = {}
for i = 1, #all, 2 do
  local field = all[i]
  if field ~= 'w' then
    local kind, n = string.sub(field, 1, 1), tonumber(string.sub(field, 2))
    local count = tonumber(all[i + 1])
    if not n or not count or cur - n >= 10 then
      stale[#stale + 1] = field
    elseif kind == 's' then
      successes = successes + count
    elseif kind == 'f' then
      failures = failures + count
    else
      stale[#stale + 1] = field
    end
  end
end
hdel(KEYS[1], stale)
if adding then
  local ends = (cur + 10) * width -- when the newest bucket leaves the window
  redis.call('PEXPIRE', KEYS[1], int(math.max(math.ceil((ends - now) / 1000), 1)))
end
return {int(successes), int(failures)}
`)
