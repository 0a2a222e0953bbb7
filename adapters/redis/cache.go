package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"github.com/tollgate-ai/tollgate/gateway"
)

var _ gateway.Cache = (*Cache)(nil)

// DefaultAddr is the Redis New connects to when Config.Addr is empty.
const DefaultAddr = "127.0.0.1:6379"

// clientName is the name every connection of a Cache gives itself
// (CLIENT SETNAME), so operators spot the gateway in CLIENT LIST. A URL's
// client_name parameter replaces it.
const clientName = "tollgate"

// Config configures a Cache. The zero value connects to DefaultAddr with
// no prefix and logs to slog.Default().
type Config struct {
	// Addr is where Redis listens: "host:port", several comma-separated
	// "host:port" seeds of a Cluster, or a URL
	// "redis://[[user]:password@]host:port[/db]" ("rediss://" for TLS;
	// rueidis.ParseURL's query parameters, such as addr= for more
	// Cluster seeds, are accepted; client-side caching stays off).
	// Default DefaultAddr.
	Addr string
	// Prefix is prepended to every key and channel name, so several
	// deployments or test runs share one Redis without meeting. Default
	// none.
	Prefix string
	// Logger reports subscriptions lost and restored. Default
	// slog.Default().
	Logger *slog.Logger
}

// Cache is a gateway.Cache on Redis: values, counters, token buckets,
// credit holds, outcome figures and Pub/Sub shared by every gateway
// instance that uses the same Redis and Prefix. The package doc lists what each method costs and where it keeps
// its keys.
//
// Every method except Subscribe is one atomic Redis operation; Redis
// errors, an unreachable server included, are CodeInternal, and calls
// after Close fail with CodeUnavailable.
//
// Use New; the zero value is not usable. A Cache is safe for concurrent
// use.
type Cache struct {
	client rueidis.Client
	prefix string
	log    *slog.Logger

	// life ends when Close is called; every subscription watches it.
	life context.Context
	end  context.CancelFunc

	mu     sync.Mutex // guards subs.Add against Close
	closed atomic.Bool
	subs   sync.WaitGroup // one per running subscription

	closeOnce sync.Once
}

// New returns a Cache on the Redis at cfg.Addr. It connects before it
// returns, to learn whether the server is a Cluster, so it fails when
// Redis cannot be reached; once created, the Cache reconnects by itself
// after any disconnection. Call Close to release its connections.
func New(cfg Config) (*Cache, error) {
	return newCache(cfg, clientName)
}

// newCache is New with the connection name as a parameter, for tests.
func newCache(cfg Config, name string) (*Cache, error) {
	opt, err := clientOption(cfg.Addr)
	if err != nil {
		return nil, err
	}
	if opt.ClientName == "" {
		opt.ClientName = name
	}
	// Nothing here reads through the client-side cache, and turning it
	// off spares each connection a CLIENT TRACKING (and lets the client
	// talk to servers without RESP3).
	opt.DisableCache = true
	opt.ShuffleInit = true
	client, err := rueidis.NewClient(opt)
	if err != nil {
		return nil, fmt.Errorf("redis: connect to %s: %w", redact(cfg.Addr), err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	life, end := context.WithCancel(context.Background())
	return &Cache{client: client, prefix: cfg.Prefix, log: cfg.Logger, life: life, end: end}, nil
}

// clientOption turns Config.Addr into rueidis options.
func clientOption(addr string) (rueidis.ClientOption, error) {
	if addr == "" {
		addr = DefaultAddr
	}
	if !strings.Contains(addr, "://") {
		return rueidis.ClientOption{InitAddress: strings.Split(addr, ",")}, nil
	}
	// Check the URL first: url.Parse's error quotes the URL, password
	// and all, and this error may end up in a log.
	if _, err := url.Parse(addr); err != nil {
		return rueidis.ClientOption{}, errors.New("redis: Addr is not a valid URL")
	}
	opt, err := rueidis.ParseURL(addr)
	if err != nil {
		return rueidis.ClientOption{}, fmt.Errorf("redis: Addr %s: %w", redact(addr), err)
	}
	return opt, nil
}

// redact returns addr with any password in it masked (url.URL.Redacted).
func redact(addr string) string {
	if u, err := url.Parse(addr); err == nil && strings.Contains(addr, "://") {
		return u.Redacted()
	}
	return addr
}

// Remote reports true: every call is a round trip to Redis, so the
// gateway finishes requests after answering them (gateway.RemoteCache).
func (c *Cache) Remote() bool { return true }

// Close ends every subscription, closing its channel, then closes the
// connections. Later calls fail with CodeUnavailable. Close is safe to
// call more than once.
func (c *Cache) Close() {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed.Store(true)
		c.mu.Unlock()
		c.end()
		c.subs.Wait() // each returns its dedicated connection first
		c.client.Close()
	})
}

// Ping checks that Redis answers, for readiness checks. CodeInternal if
// it does not.
func (c *Cache) Ping(ctx context.Context) error {
	return c.fail(c.client.Do(ctx, c.client.B().Ping().Build()).Error())
}

// valueKey is where the value or counter called key is kept.
func (c *Cache) valueKey(key string) string { return c.prefix + "v:" + key }

// Get returns the value at key. CodeNotFound if there is none or it
// expired.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, error) {
	s, err := c.client.Do(ctx, c.client.B().Get().Key(c.valueKey(key)).Build()).ToString()
	if rueidis.IsRedisNil(err) {
		return nil, gateway.Errorf(gateway.CodeNotFound, "cache key %q not found", key)
	}
	if err != nil {
		return nil, c.fail(err)
	}
	return []byte(s), nil
}

// Set stores value at key for ttl, rounded up to a whole millisecond,
// replacing any value and expiry the key had; ttl 0 keeps it until
// deleted. CodeInvalid if ttl is negative.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl < 0 {
		return gateway.Errorf(gateway.CodeInvalid, "cache ttl %v is negative", ttl)
	}
	set := c.client.B().Set().Key(c.valueKey(key)).Value(rueidis.BinaryString(value))
	var cmd rueidis.Completed
	if ttl > 0 {
		cmd = set.PxMilliseconds(millis(ttl)).Build()
	} else {
		cmd = set.Build() // no PX: also clears an earlier expiry
	}
	return c.fail(c.client.Do(ctx, cmd).Error())
}

// Delete removes key; removing a missing key is not an error.
func (c *Cache) Delete(ctx context.Context, key string) error {
	return c.fail(c.client.Do(ctx, c.client.B().Del().Key(c.valueKey(key)).Build()).Error())
}

// Incr adds delta to the counter at key and returns the new value. A
// missing or expired key counts from 0 and, when ttl > 0, expires ttl
// (rounded up to a whole millisecond) after this call; later calls keep
// that expiry. CodeInvalid if ttl is negative, if the key holds a value
// Set stored that is not a decimal integer, or if the sum overflows an
// int64.
func (c *Cache) Incr(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	if ttl < 0 {
		return 0, gateway.Errorf(gateway.CodeInvalid, "cache ttl %v is negative", ttl)
	}
	var ms int64
	if ttl > 0 {
		ms = millis(ttl)
	}
	args := []string{strconv.FormatInt(delta, 10), strconv.FormatInt(ms, 10)}
	s, err := incrScript.Exec(ctx, c.client, []string{c.valueKey(key)}, args).ToString()
	if isInvalid(err) {
		return 0, &gateway.Error{Code: gateway.CodeInvalid, Message: fmt.Sprintf("cache key %q does not hold an integer, or the sum overflows", key), Err: err}
	}
	if err != nil {
		return 0, c.fail(err)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, gateway.Internal(fmt.Errorf("redis: incr script answered %q: %w", s, err))
	}
	return n, nil
}

// Publish sends payload to every current subscriber of channel, on every
// instance. On a Cluster it goes to the node that serves the channel
// name's slot, where Subscribe subscribes; see channelName.
func (c *Cache) Publish(ctx context.Context, channel string, payload []byte) error {
	name := c.channelName(channel)
	cmd := c.client.B().Publish().Channel(name).Message(rueidis.BinaryString(payload)).Build()
	return c.fail(c.client.Do(ctx, cmd.SetSlot(name)).Error())
}

// channelName is the Redis name of the Pub/Sub channel called channel.
//
// PUBLISH and SUBSCRIBE name no key, so a Cluster client would send each
// to any node: the Cluster still delivers every payload everywhere (it
// relays PUBLISH to every node over the Cluster bus), but a payload
// published on the subscriber's own node is delivered before one
// published earlier on another node is relayed, so payloads would arrive
// out of order, and one published just before Subscribe could arrive
// after it. Publish and Subscribe therefore send their command to the
// node that serves the slot of this name, as if it were a key (SetSlot):
// every instance's publisher and subscribers of a channel meet on one
// node, which delivers in order, as a single Redis does. Outside a
// Cluster the slot is ignored.
func (c *Cache) channelName(channel string) string { return c.prefix + channel }

// millis returns d in whole milliseconds, rounded up.
func millis(d time.Duration) int64 {
	ms := int64(d / time.Millisecond)
	if d%time.Millisecond != 0 {
		ms++
	}
	return ms
}

// fail turns a Redis error into a gateway error: CodeUnavailable after
// Close, CodeInternal otherwise. nil stays nil.
func (c *Cache) fail(err error) error {
	if err == nil {
		return nil
	}
	if c.closed.Load() {
		return &gateway.Error{Code: gateway.CodeUnavailable, Message: "cache is closed", Err: err}
	}
	return gateway.Internal(fmt.Errorf("redis: %w", err))
}
