// Package redis implements gateway.Cache on Redis, through the rueidis
// client, so that every gateway instance sharing one Redis (or one Redis
// Cluster) sees the same values, counters, rate limits, credit holds,
// outcome figures and change announcements: N instances behave as one.
//
// # Cost
//
// Every method is one atomic operation on the server and one round trip:
//
//	Get         GET
//	Set         SET, with PX when ttl > 0
//	Delete      DEL
//	Incr        EVALSHA of a script: SET NX PX (when ttl > 0), INCRBY, GET
//	Allow       EVALSHA of a script: TIME, MGET, and when allowed SET
//	            (KEEPTTL, or PX when the key would expire too soon)
//	Reserve     EVALSHA of a script: TIME, HMGET, and when granted HSET
//	            (and PEXPIRE, when the hold outlives the key)
//	Release     EVALSHA of a script: TIME, HMGET, HDEL, HSET
//	Held        EVALSHA of a script: TIME, HMGET
//	Admit       EVALSHA of a script: TIME, one MGET of the buckets, HMGET
//	            for the funds, ZCARD per lease (and ZREMRANGEBYSCORE and
//	            ZCARD again when it is full), GET (balance), and when
//	            allowed SET per bucket (as Allow), HSET for the funds
//	            (PEXPIRE as Reserve), ZADD and PEXPIRE per lease
//	Finish      EVALSHA of a script: as Adjust, ZREM per lease and
//	            SettleFunds together
//	AddOutcomes EVALSHA of a script: TIME, HGET, HINCRBY (one per count
//	            that is not 0), HGETALL, HDEL (old buckets), PEXPIRE
//	Publish     PUBLISH
//	Ping        PING
//
// The first run of a script on a server costs one more round trip: Redis
// answers NOSCRIPT and the script is sent once with EVAL. Commands sent
// concurrently share connections (rueidis pipelines them), so a Cache
// needs no connection pool tuning.
//
// Subscribe is the exception: each subscription holds a connection of its
// own (taken from rueidis's pool of dedicated connections, 1000 at most
// per Cache) for as long as it lasts, and costs one round trip to
// register. Gateways subscribe once each, to gateway.ChangesChannel.
//
// Reserve, Release, Held and the funds calls keep the sum of an
// account's holds beside them, so their work does not grow with the holds
// open; only once a hold may have lapsed (the earliest expiry has passed)
// does a call read every hold (HGETALL) to drop the lapsed ones, about
// once per account per hold ttl. AddOutcomes reads at most 21 fields: the
// window and two per bucket.
//
// # Key layout
//
// Config.Prefix comes first in every name, so several deployments or test
// runs can share one Redis:
//
//	Prefix + "v:" + key    a value or counter (a string; Get, Set, Incr, Delete)
//	Prefix + "r:" + key    a token bucket (a 40-byte string; Allow, Take,
//	                       Adjust, Admit, Finish)
//	Prefix + "p:{" + account + "}"
//	                       the credit holds of account (a hash; Reserve,
//	                       Release, Held, and the funds calls)
//	Prefix + "f:{" + account + "}"
//	                       the credit balance of account (a decimal string;
//	                       the funds calls, Admit, Finish)
//	Prefix + "s:{" + account + "}:" + id
//	                       what request id was charged, kept
//	                       gateway.SettleMemory so a settlement counts once
//	Prefix + "c:{" + account + "}:" + id
//	                       ledger entry id applied by CreditFunds or
//	                       DebitFunds, kept as long
//	Prefix + "q:" + key    the concurrency leases Admit placed at key (a
//	                       sorted set; Admit, Finish). The hash tag is the
//	                       one in key, so a ticket's buckets, leases and
//	                       funds share a slot.
//	Prefix + "o:" + key    outcome figures (a hash; AddOutcomes)
//	Prefix + channel       a Pub/Sub channel (Publish, Subscribe)
//
// Values and counters share one key space, as in the memory Cache: a
// counter is a value holding a decimal integer. Token buckets live apart,
// so Allow and Set never trip over each other's keys, as in the memory
// Cache. A bucket is five little-endian doubles: its level (units ×
// window in microseconds, so refills are exact integers), the server time
// it was last changed, the limit and window it was made for, and the time
// until which its key lives. It expires a window after it has refilled
// completely (that last double keeps when, so that writes within that
// window keep the expiry, SET KEEPTTL; a lingering full bucket reads as
// full), so idle buckets cost no memory. The doubles are binary because
// decimal parsing and formatting cost a fifth of the ticket scripts' time.
// (Before, buckets were hashes of decimals at "b:"; during an upgrade,
// instances of the two versions count their buckets apart.)
//
// An account's holds are one hash of hold id → the server time the hold
// lapses, in microseconds since the epoch, as a binary double, then the
// amount in micros, in decimal. A field whose name starts with a NUL byte
// keeps the holds' sum, their earliest expiry (a lower bound) and their
// latest (an upper bound), as three binary doubles. A call that finds the
// earliest expiry passed drops the holds that have lapsed and sets the
// totals right; the key expires with the latest hold placed, and the
// first call after every hold has lapsed deletes it, so an idle account's
// key disappears by itself. Releasing the last hold leaves the key, with
// a sum of 0, until it expires, so that the next hold needs no PEXPIRE.
// (Before, holds were decimal text at "h:"; during an upgrade, instances
// of the two versions hold credits apart, each against the one balance.)
//
// A ticket's concurrency lease is its id in a sorted set, scored with
// the server time the lease lapses, in microseconds: Admit counts the
// leases, and when they fill the limit drops the lapsed ones
// (ZREMRANGEBYSCORE up to now) and counts the rest, so a lease whose
// request never finished stops counting at its time, and Finish removes
// its id. Until the set fills, such a lease waits in it: at most the
// limit's worth, and the set expires with its latest lease. The set expires when its latest lease lapses:
// PEXPIRE with GT, which needs Redis 7.0 or later, only ever moves that
// expiry later. (Before, leases were hashes at "l:", laid out as holds;
// during an upgrade, instances of the two versions count their leases
// apart until the old ones stop.)
//
// Outcome figures are one hash per key: field "w" holds the window they
// are counted for (in microseconds), and each time bucket n, the server
// time in microseconds divided by the bucket width (a tenth of the
// window, at least 1µs), has fields "s<n>" (successes) and "f<n>"
// (failures). Buckets older than the last ten are deleted as calls find
// them, and a key that is added to expires when its newest bucket leaves
// the window (about a window later). Figures counted for another window
// are dropped when a call names a new one, as in the memory Cache.
//
// # Time
//
// Allow, Reserve, Release, Held and AddOutcomes read the Redis server's
// clock (TIME), not the gateway's, so instances whose clocks disagree
// still share one exact bucket, hold or figure. They count time in
// microseconds: windows and hold ttls are rounded up to a whole
// microsecond. Expiries of keys (Set and Incr ttl, and the expiry of a
// bucket, an account's holds or outcome figures) are rounded up to a
// whole millisecond, the resolution of PX and PEXPIRE; a hold lapses on
// the microsecond, whether or not its key is gone yet.
//
// # Numbers
//
// Scripts compute in Lua numbers, which are doubles: sums of holds and
// totals of outcomes are exact while they stay below 2^53 (about 9e15
// micros, 9 billion credits); past that they may be off by a rounding
// step, and they are clamped to the int64 range. Stored amounts and
// counts are kept as exact decimals: Release returns a hold's amount
// exactly at any size. The bucket and ticket scripts take their limits,
// windows, units and ttls, and give their answers, as binary doubles
// (struct.pack's layout), which they compute in anyway: parsing and
// printing decimals cost more than the arithmetic.
//
// # Redis Cluster
//
// An Addr that names a Cluster node gives a Cluster client; rueidis learns
// the slots and follows MOVED and ASK redirections by itself. Every
// command and script here touches exactly one key (scripts declare it in
// KEYS), so no operation spans slots. An account's holds carry the
// account as a hash tag, "{account}", so that every key an account's
// holds may ever need lands in one slot; an account name with braces in
// it still works, but may share its slot with other accounts. Keep braces
// out of Prefix on a Cluster: "app{1}:" would pin every key to one slot.
//
// Pub/Sub uses classic PUBLISH and SUBSCRIBE, which name no key, so a
// Cluster client would send each to any node; the Cluster relays every
// PUBLISH to every node, but a payload published on the subscriber's node
// would then overtake one published earlier on another. So Publish and
// Subscribe send their command to the node that serves the slot of the
// channel's name, as if it were a key: the publishers and subscribers of
// a channel meet on one node, which delivers in order, as a single Redis
// does. While slots move between nodes, a payload may reach a subscriber
// through the relay instead, and in another order.
//
// # Failures
//
// New needs a reachable Redis: it connects once to learn whether the
// server is a Cluster, and fails otherwise; the host retries. After that
// the client reconnects by itself. While Redis is unreachable every
// method fails with CodeInternal, and subscriptions resubscribe with
// backoff, logging each attempt; payloads published while a subscription
// was down are lost, which the port allows.
//
// # Take and Adjust
//
// Take and Adjust work on the token buckets Allow keeps (Prefix + "r:" +
// key, the same value, on the server's clock), so the three share every
// bucket. Each is one round trip however many buckets it names: one
// EVALSHA of a script whose KEYS are the buckets' keys and whose ARGV is
// limit, window (µs) and units for each:
//
//	Take    TIME, one MGET of the buckets, and when every bucket holds
//	        its units SET (KEEPTTL, or PX when due) per bucket; a refused
//	        Take writes nothing
//	Adjust  TIME, one MGET of the buckets, then SET (KEEPTTL, or PX when
//	        due) per bucket
//
// Adjust may leave a bucket in debt (a negative level), which Allow and
// Take refuse until refills pay it off; its key expires a window after it
// is full again, however deep the debt (at most 1e15 ms ahead). A bucket
// refilled or refunded to full is written as full and keeps its expiry,
// so that the next take moves no expiry either. A script touches
// all of a call's keys, so on a Cluster they must share a slot: callers
// give them one hash tag, such as "{account}", and keys in different
// slots are CodeInvalid.
package redis
