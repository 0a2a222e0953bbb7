// Package redis implements gateway.Cache on Redis, through the rueidis
// client, so that every gateway instance sharing one Redis (or one Redis
// Cluster) sees the same values, counters, rate limits and change
// announcements: N instances behave as one.
//
// # Cost
//
// Every method is one atomic operation on the server and one round trip:
//
//	Get        GET
//	Set        SET, with PX when ttl > 0
//	Delete     DEL
//	Incr       EVALSHA of a script: SET NX PX (when ttl > 0), INCRBY, GET
//	Allow      EVALSHA of a script: TIME, HMGET, and when allowed HSET, PEXPIRE
//	Publish    PUBLISH
//	Ping       PING
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
// # Key layout
//
// Config.Prefix comes first in every name, so several deployments or test
// runs can share one Redis:
//
//	Prefix + "v:" + key    a value or counter (a string; Get, Set, Incr, Delete)
//	Prefix + "b:" + key    a token bucket (a hash; Allow)
//	Prefix + channel       a Pub/Sub channel (Publish, Subscribe)
//
// Values and counters share one key space, as in the memory Cache: a
// counter is a value holding a decimal integer. Token buckets live apart,
// so Allow and Set never trip over each other's keys, as in the memory
// Cache. A bucket expires once it has refilled completely, so idle
// buckets cost no memory.
//
// # Time
//
// Allow reads the Redis server's clock (TIME), not the gateway's, so
// instances whose clocks disagree still share one exact bucket. It counts
// time in microseconds: a window is rounded up to a whole microsecond.
// Expiries (Set and Incr ttl) are rounded up to a whole millisecond, the
// resolution of PX.
//
// # Redis Cluster
//
// An Addr that names a Cluster node gives a Cluster client; rueidis learns
// the slots and follows MOVED and ASK redirections by itself. Every
// command and script here touches exactly one key (scripts declare it in
// KEYS), so no operation spans slots and no hash tags are needed. Keep
// braces out of Prefix on a Cluster: "app{1}:" would pin every key to one
// slot. Pub/Sub uses classic PUBLISH, which a Cluster broadcasts to every
// node, so a subscription may live on any node.
//
// # Failures
//
// New needs a reachable Redis: it connects once to learn whether the
// server is a Cluster, and fails otherwise; the host retries. After that
// the client reconnects by itself. While Redis is unreachable every
// method fails with CodeInternal, and subscriptions resubscribe with
// backoff, logging each attempt; payloads published while a subscription
// was down are lost, which the port allows.
package redis
