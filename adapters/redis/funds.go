package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	"github.com/tollgate-ai/tollgate/gateway"
)

// An account's credit balance is a decimal string at f:{account}, beside
// its holds at p:{account} and one marker s:{account}:<id> per settled
// request, kept SettleMemory: the same hash tag puts all three in one
// Cluster slot, so a script may touch them together. The balance has no
// expiry; a Redis that lost it starts again from the Store's figure (the
// seed). Balances are doubles inside the scripts: exact below 2^53 micros
// (about 9 billion credits).

func (c *Cache) balanceKey(account string) string { return c.prefix + "f:{" + account + "}" }

func (c *Cache) settledKey(account, id string) string { return c.prefix + "s:{" + account + "}:" + id }

// appliedKey marks a ledger entry CreditFunds or DebitFunds applied,
// kept SettleMemory.
func (c *Cache) appliedKey(account, id string) string { return c.prefix + "c:{" + account + "}:" + id }

// luaBalance defines balance, which reads the balance at key, starting it
// at seed when it is missing.
const luaBalance = `
local function balance(key, seed)
  local b = redis.call('GET', key)
  if not b then
    redis.call('SET', key, seed)
    b = seed
  end
  return tonumber(b)
end
`

// holdFundsScript places a hold when the balance less the live holds
// covers it. KEYS[1] the holds, KEYS[2] the balance. ARGV[1] the id,
// ARGV[2] the amount, ARGV[3] the seed, ARGV[4] the ttl in microseconds.
// Returns granted ("1" or "0"), the balance and the live holds after.
var holdFundsScript = rueidis.NewLuaScript(luaTime + luaOpenHolds + luaBalance + `
local bal = balance(KEYS[2], ARGV[3])
local h = open(KEYS[1], now, ARGV[1])
if h.mine then
  return {'1', int(bal), int(h.sum + tonumber(h.mine))}
end
local amount = tonumber(ARGV[2])
if h.sum + amount > bal then
  return {'0', int(bal), int(h.sum)}
end
add(KEYS[1], h, ARGV[1], ARGV[2], now + tonumber(ARGV[4]))
return {'1', int(bal), int(h.sum + amount)}
`)

// settleFundsScript removes a hold and charges, once per id. KEYS[1] the
// holds, KEYS[2] the balance, KEYS[3] the id's settled marker. ARGV[1]
// the id, ARGV[2] the cost, ARGV[3] the seed, ARGV[4] how long to
// remember the id, in milliseconds. Returns first ("1" or "0") and what
// was charged, the first time (the marker keeps it).
var settleFundsScript = rueidis.NewLuaScript(luaTime + luaOpenHolds + luaBalance + `
local id, base, hk, bk, sk = ARGV[1], 1, KEYS[1], KEYS[2], KEYS[3]
` + luaSettle)

// luaSettle is the body of settleFundsScript and the end of finishScript:
// given hk, bk and sk (the holds, balance and settled marker keys), id,
// and ARGV[base+1..3] the cost, the seed and the marker's memory in
// milliseconds, it settles and returns first and charged.
const luaSettle = `
local bal = balance(bk, ARGV[base + 2])
local h = open(hk, now, id)
if h.mine then
  remove(hk, h, id)
end
local before = redis.call('GET', sk)
if before then
  return {'0', before}
end
local charged = int(math.min(tonumber(ARGV[base + 1]), math.max(bal, 0)))
redis.call('SET', sk, charged, 'PX', ARGV[base + 3])
redis.call('SET', bk, int(bal - tonumber(charged)))
return {'1', charged}
`

// debitFundsScript takes a debit once, never below zero. KEYS[1] the
// balance, KEYS[2] the debit's marker. ARGV[1] the amount (not
// negative), ARGV[2] the seed, ARGV[3] how long to remember the debit,
// in milliseconds. Returns ok ("1" or "0") and the balance after.
var debitFundsScript = rueidis.NewLuaScript(luaInt + luaBalance + `
local bal = balance(KEYS[1], ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {'1', int(bal)}
end
local after = bal - tonumber(ARGV[1])
if after < 0 then
  return {'0', int(bal)}
end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
redis.call('SET', KEYS[1], int(after))
return {'1', int(after)}
`)

// creditFundsScript adds a credit once. KEYS[1] the balance, KEYS[2]
// the credit's marker. ARGV[1] the amount (not negative), ARGV[2] the
// seed, ARGV[3] how long to remember the credit, in milliseconds.
// Returns first ("1" or "0") and the balance after.
var creditFundsScript = rueidis.NewLuaScript(luaInt + luaBalance + `
local bal = balance(KEYS[1], ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {'0', int(bal)}
end
local after = bal + tonumber(ARGV[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
redis.call('SET', KEYS[1], int(after))
return {'1', int(after)}
`)

// getFundsScript reads the balance (nil when missing) and the live holds.
// KEYS[1] the holds, KEYS[2] the balance.
var getFundsScript = rueidis.NewLuaScript(luaTime + luaOpenHolds + `
local sum = open(KEYS[1], now, nil).sum
local b = redis.call('GET', KEYS[2])
if not b then return {'0', '0', int(sum)} end
return {'1', b, int(sum)}
`)

func fmtMicros(m gateway.Micros) string { return strconv.FormatInt(int64(m), 10) }

// parseMicros reads a balance a script returned (it may be negative).
func parseMicros(s string) (gateway.Micros, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	return gateway.Micros(f), nil
}

// flagged runs a funds script that answers a flag ("1" or "0") and an
// amount in micros, and returns the amount and the flag.
func (c *Cache) flagged(ctx context.Context, op string, script *rueidis.Lua, keys, args []string) (gateway.Micros, bool, error) {
	r, err := c.answer(ctx, script, keys, args, 2)
	if err != nil {
		return 0, false, err
	}
	m, err := parseMicros(r[1])
	if err != nil {
		return 0, false, gateway.Internal(fmt.Errorf("redis: %s answered %q", op, r))
	}
	return m, r[0] == "1", nil
}

// answer runs a funds script and checks it returned n strings.
func (c *Cache) answer(ctx context.Context, script *rueidis.Lua, keys, args []string, n int) ([]string, error) {
	r, err := script.Exec(ctx, c.client, keys, args).AsStrSlice()
	if err != nil {
		return nil, c.fail(err)
	}
	if len(r) != n {
		return nil, gateway.Internal(fmt.Errorf("redis: funds script answered %q, want %d strings", r, n))
	}
	return r, nil
}

// HoldFunds places a hold when the balance less the open holds covers it;
// see gateway.Cache. ttl is rounded up to a whole microsecond.
func (c *Cache) HoldFunds(ctx context.Context, account, id string, amount, seed gateway.Micros, ttl time.Duration) (bool, gateway.Funds, error) {
	if amount <= 0 {
		return false, gateway.Funds{}, gateway.Invalid("amount", "a hold's amount must be positive")
	}
	if ttl <= 0 {
		return false, gateway.Funds{}, gateway.Invalid("ttl", "a hold's ttl must be positive")
	}
	r, err := c.answer(ctx, holdFundsScript, []string{c.holdsKey(account), c.balanceKey(account)},
		[]string{id, fmtMicros(amount), fmtMicros(seed), strconv.FormatInt(micros(ttl), 10)}, 3)
	if err != nil {
		return false, gateway.Funds{}, err
	}
	bal, err1 := parseMicros(r[1])
	held, err2 := parseSum(r[2])
	if err1 != nil || err2 != nil {
		return false, gateway.Funds{}, gateway.Internal(fmt.Errorf("redis: hold funds answered %q", r))
	}
	return r[0] == "1", gateway.Funds{Balance: bal, Held: held, Known: true}, nil
}

// SettleFunds removes the hold and charges, once per id; see
// gateway.Cache.
func (c *Cache) SettleFunds(ctx context.Context, account, id string, cost, seed gateway.Micros) (gateway.Micros, bool, error) {
	if cost < 0 {
		return 0, false, gateway.Invalid("cost", "a cost must not be negative")
	}
	return c.flagged(ctx, "settle funds", settleFundsScript,
		[]string{c.holdsKey(account), c.balanceKey(account), c.settledKey(account, id)},
		[]string{id, fmtMicros(cost), fmtMicros(seed), strconv.FormatInt(gateway.SettleMemory.Milliseconds(), 10)})
}

// DebitFunds takes amount once per id, never below zero, in one script
// call; see gateway.Cache.
func (c *Cache) DebitFunds(ctx context.Context, account, id string, amount, seed gateway.Micros) (gateway.Micros, bool, error) {
	if amount < 0 {
		return 0, false, gateway.Invalid("amount", "a debit must not be negative")
	}
	return c.flagged(ctx, "debit funds", debitFundsScript, []string{c.balanceKey(account), c.appliedKey(account, id)},
		[]string{fmtMicros(amount), fmtMicros(seed), strconv.FormatInt(gateway.SettleMemory.Milliseconds(), 10)})
}

// CreditFunds adds amount once per id, in one script call; see
// gateway.Cache.
func (c *Cache) CreditFunds(ctx context.Context, account, id string, amount, seed gateway.Micros) (gateway.Micros, bool, error) {
	if amount < 0 {
		return 0, false, gateway.Invalid("amount", "a credit must not be negative")
	}
	return c.flagged(ctx, "credit funds", creditFundsScript, []string{c.balanceKey(account), c.appliedKey(account, id)},
		[]string{fmtMicros(amount), fmtMicros(seed), strconv.FormatInt(gateway.SettleMemory.Milliseconds(), 10)})
}

// GetFunds returns the balance and open holds; see gateway.Cache.
func (c *Cache) GetFunds(ctx context.Context, account string) (gateway.Funds, error) {
	r, err := c.answer(ctx, getFundsScript, []string{c.holdsKey(account), c.balanceKey(account)}, nil, 3)
	if err != nil {
		return gateway.Funds{}, err
	}
	bal, err1 := parseMicros(r[1])
	held, err2 := parseSum(r[2])
	if err1 != nil || err2 != nil {
		return gateway.Funds{}, gateway.Internal(fmt.Errorf("redis: get funds answered %q", r))
	}
	return gateway.Funds{Balance: bal, Held: held, Known: r[0] == "1"}, nil
}

// expireFundsScript sets the expiry of a balance and its holds. KEYS[1]
// the holds, KEYS[2] the balance. ARGV[1] the Unix time in milliseconds.
var expireFundsScript = rueidis.NewLuaScript(`
redis.call('PEXPIREAT', KEYS[2], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
`)

// ExpireFunds makes Redis forget the account's balance and holds at at;
// see gateway.Cache.
func (c *Cache) ExpireFunds(ctx context.Context, account string, at time.Time) error {
	err := expireFundsScript.Exec(ctx, c.client, []string{c.holdsKey(account), c.balanceKey(account)},
		[]string{strconv.FormatInt(at.UnixMilli(), 10)}).Error()
	return c.fail(err)
}
