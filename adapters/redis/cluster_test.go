package redis_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/redis/rueidis"

	"github.com/tollgate-ai/tollgate/adapters/redis"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

// The Cluster tests run the Cache against a real Redis Cluster of three
// masters (no replicas) on loopback, which the test binary starts itself
// from the redis-server and redis-cli on PATH the first time a Cluster
// test asks for it, and stops when every test has run (TestMain). They
// fail, never skip, when the Cluster cannot be started.

// clusterMasters is how many redis-server processes the Cluster has.
const clusterMasters = 3

// clusterStartup bounds how long starting the Cluster may take, from the
// first redis-server to cluster_state:ok on every node.
const clusterStartup = 20 * time.Second

// clusterProcAttr is given to every redis-server the tests start. On
// Linux it asks the kernel to kill them when the test binary dies (a
// -timeout panic skips TestMain's cleanup); see cluster_linux_test.go.
var clusterProcAttr *syscall.SysProcAttr

// testCluster is the Redis Cluster of this test binary.
type testCluster struct {
	dir   string   // the nodes' working directory: configs and logs
	addrs []string // "127.0.0.1:port" of each master
	nodes []*exec.Cmd
	exits []chan struct{} // closed when the node's process has exited
}

var (
	clusterOnce sync.Once
	theCluster  *testCluster
	clusterErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if theCluster != nil {
		theCluster.stop()
	}
	os.Exit(code)
}

// cluster returns the test binary's Cluster, starting it on first use.
// The test fails when it cannot be started.
func cluster(tb testing.TB) *testCluster {
	tb.Helper()
	clusterOnce.Do(func() {
		start := time.Now()
		theCluster, clusterErr = startCluster()
		if clusterErr == nil {
			tb.Logf("Redis Cluster on %s up in %v", strings.Join(theCluster.addrs, ","), time.Since(start).Round(time.Millisecond))
		}
	})
	if clusterErr != nil {
		tb.Fatalf("cannot start a Redis Cluster for the test: %v", clusterErr)
	}
	return theCluster
}

// startCluster starts clusterMasters redis-servers in Cluster mode on
// free loopback ports and joins them in one Cluster. A port may be taken
// between the check and the start, so it tries a few times.
func startCluster() (*testCluster, error) {
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			return nil, fmt.Errorf("%s is not installed (the Cluster tests need redis-server and redis-cli 7 on PATH): %w", bin, err)
		}
	}
	var err error
	for range 3 {
		var c *testCluster
		if c, err = tryCluster(); err == nil {
			return c, nil
		}
	}
	return nil, err
}

// tryCluster makes one attempt of startCluster.
func tryCluster() (c *testCluster, err error) {
	dir, err := os.MkdirTemp("", "tollgate-redis-cluster-")
	if err != nil {
		return nil, err
	}
	c = &testCluster{dir: dir}
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w%s", err, c.logs())
			c.stop()
			c = nil
		}
	}()
	deadline := time.Now().Add(clusterStartup)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	ports, err := freePorts(clusterMasters)
	if err != nil {
		return c, err
	}
	for _, port := range ports {
		if err := c.startNode(port); err != nil {
			return c, err
		}
	}
	for i, port := range ports {
		if err := c.waitNode(ctx, i, port); err != nil {
			return c, err
		}
	}
	args := []string{"--cluster", "create"}
	args = append(args, c.addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		return c, fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	for _, port := range ports {
		if err := c.waitClusterOK(ctx, port); err != nil {
			return c, err
		}
	}
	return c, nil
}

// freePorts returns n distinct ports in [20000, 30000) where both the
// port and its Cluster bus port (port + 10000) are free on loopback.
func freePorts(n int) ([]int, error) {
	var ports []int
	seen := map[int]bool{}
	for range 1000 {
		p := 20000 + rand.IntN(10000)
		if seen[p] {
			continue
		}
		if free(p) && free(p+10000) {
			ports = append(ports, p)
			seen[p] = true
			if len(ports) == n {
				return ports, nil
			}
		}
	}
	return nil, errors.New("no free loopback ports in 20000-29999 (with port+10000 free)")
}

// free reports whether port can be listened on at 127.0.0.1.
func free(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// startNode starts one redis-server in Cluster mode on port.
func (c *testCluster) startNode(port int) error {
	p := strconv.Itoa(port)
	log, err := os.Create(filepath.Join(c.dir, "redis-"+p+".log"))
	if err != nil {
		return err
	}
	defer log.Close() // the child has its own descriptor
	cmd := exec.Command("redis-server",
		"--cluster-enabled", "yes",
		"--cluster-config-file", filepath.Join(c.dir, "nodes-"+p+".conf"),
		"--port", p,
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", c.dir,
	)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = clusterProcAttr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server on port %s: %w", p, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	c.addrs = append(c.addrs, "127.0.0.1:"+p)
	c.nodes = append(c.nodes, cmd)
	c.exits = append(c.exits, exited)
	return nil
}

// cli runs redis-cli against the node on port and returns its output.
func cli(ctx context.Context, port int, args ...string) (string, error) {
	args = append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(port)}, args...)
	out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput()
	return string(out), err
}

// poll calls cond every 20ms until it reports done, ctx ends, or node i
// exits (i < 0: no node to watch), and returns why it stopped.
func (c *testCluster) poll(ctx context.Context, i int, what string, cond func() (bool, string)) error {
	last := ""
	for {
		done, state := cond()
		if done {
			return nil
		}
		last = state
		var exited chan struct{}
		if i >= 0 {
			exited = c.exits[i]
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: not within %v; last answer %q", what, clusterStartup, last)
		case <-exited:
			return fmt.Errorf("%s: redis-server on %s exited", what, c.addrs[i])
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitNode waits until node i, on port, answers PING.
func (c *testCluster) waitNode(ctx context.Context, i, port int) error {
	return c.poll(ctx, i, "redis-server on port "+strconv.Itoa(port)+" answering PING", func() (bool, string) {
		out, _ := cli(ctx, port, "ping")
		return strings.TrimSpace(out) == "PONG", out
	})
}

// waitClusterOK waits until the node on port sees the whole Cluster, all
// slots served.
func (c *testCluster) waitClusterOK(ctx context.Context, port int) error {
	return c.poll(ctx, -1, "cluster_state:ok on port "+strconv.Itoa(port), func() (bool, string) {
		out, _ := cli(ctx, port, "cluster", "info")
		return strings.Contains(out, "cluster_state:ok") &&
			strings.Contains(out, "cluster_known_nodes:"+strconv.Itoa(clusterMasters)) &&
			strings.Contains(out, "cluster_slots_ok:16384"), out
	})
}

// stop kills every node, waits for them to exit, and removes their
// directory.
func (c *testCluster) stop() {
	for i, cmd := range c.nodes {
		_ = cmd.Process.Kill()
		<-c.exits[i]
	}
	_ = os.RemoveAll(c.dir)
}

// logs returns the end of every node's log, to explain a failed start.
func (c *testCluster) logs() string {
	var b strings.Builder
	for _, addr := range c.addrs {
		_, port, _ := strings.Cut(addr, ":")
		out, err := os.ReadFile(filepath.Join(c.dir, "redis-"+port+".log"))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		lines = lines[max(0, len(lines)-10):]
		fmt.Fprintf(&b, "\n--- redis-server %s log (end) ---\n%s", addr, strings.Join(lines, "\n"))
	}
	return b.String()
}

// addr is the Config.Addr of the Cluster: every master as a seed.
func (c *testCluster) addr() string { return strings.Join(c.addrs, ",") }

// newClusterPrefix returns a Prefix no other Cache of the run uses.
func newClusterPrefix() string { return "tollgate-cluster-test:" + random(6) + ":" }

// openCluster returns a Cache on the Cluster under prefix, closed when
// the test ends. The Cluster is thrown away after the run, so nothing is
// purged.
func openCluster(tb testing.TB, cl *testCluster, prefix string) *redis.Cache {
	tb.Helper()
	c, err := redis.New(redis.Config{Addr: cl.addr(), Prefix: prefix, Logger: testLogger(tb)})
	if err != nil {
		tb.Fatalf("New on the Cluster %s: %v", cl.addr(), err)
	}
	tb.Cleanup(c.Close)
	return c
}

// nodeClients returns a client pinned to each master, by address, that
// does not follow redirections, closed when the test ends.
func nodeClients(t *testing.T, cl *testCluster) map[string]rueidis.Client {
	t.Helper()
	clients := map[string]rueidis.Client{}
	for _, addr := range cl.addrs {
		client, err := rueidis.NewClient(rueidis.ClientOption{
			InitAddress:       []string{addr},
			ForceSingleClient: true,
			DisableCache:      true,
		})
		if err != nil {
			t.Fatalf("connect to %s: %v", addr, err)
		}
		t.Cleanup(client.Close)
		clients[addr] = client
	}
	return clients
}

// slotOwners returns the address of the master that serves each slot,
// from CLUSTER SLOTS.
func slotOwners(t *testing.T, client rueidis.Client) map[int64]string {
	t.Helper()
	ranges, err := client.Do(t.Context(), client.B().ClusterSlots().Build()).ToArray()
	if err != nil {
		t.Fatalf("CLUSTER SLOTS: %v", err)
	}
	owners := map[int64]string{}
	for _, r := range ranges {
		f, err := r.ToArray()
		if err != nil || len(f) < 3 {
			t.Fatalf("CLUSTER SLOTS entry %v: %v", r, err)
		}
		from, err1 := f[0].AsInt64()
		to, err2 := f[1].AsInt64()
		master, err3 := f[2].ToArray()
		if err := errors.Join(err1, err2, err3); err != nil || len(master) < 2 {
			t.Fatalf("CLUSTER SLOTS entry %v: %v", r, err)
		}
		host, err1 := master[0].ToString()
		port, err2 := master[1].AsInt64()
		if err := errors.Join(err1, err2); err != nil {
			t.Fatalf("CLUSTER SLOTS entry %v: %v", r, err)
		}
		for s := from; s <= to; s++ {
			owners[s] = net.JoinHostPort(host, strconv.FormatInt(port, 10))
		}
	}
	if len(owners) != 16384 {
		t.Fatalf("CLUSTER SLOTS covers %d slots, want 16384", len(owners))
	}
	return owners
}

// keySlot returns CLUSTER KEYSLOT key.
func keySlot(t *testing.T, client rueidis.Client, key string) int64 {
	t.Helper()
	slot, err := client.Do(t.Context(), client.B().ClusterKeyslot().Key(key).Build()).AsInt64()
	if err != nil {
		t.Fatalf("CLUSTER KEYSLOT %s: %v", key, err)
	}
	return slot
}

// TestClusterCache runs the conformance suite against a Redis Cluster:
// every subtest's Cache is a Cluster client with all three masters as
// seeds, and the suite's keys, buckets, holds, figures and channels
// spread over the masters.
func TestClusterCache(t *testing.T) {
	cl := cluster(t)
	gatewaytest.TestCache(t, func(t *testing.T) gateway.Cache {
		return openCluster(t, cl, newClusterPrefix())
	})
}

// TestClusterShards checks that the Cluster really shards the Cache's
// keys: the values, buckets, holds and outcome figures of a dozen keys
// and accounts are spread over more than one master, each stored on the
// master that serves its slot, and read back through the Cache, so the
// Cache's commands and scripts were routed to several nodes. An account's
// holds sit in its hash tag's slot.
func TestClusterShards(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	cl := cluster(t)
	prefix := newClusterPrefix()
	c := openCluster(t, cl, prefix)
	nodes := nodeClients(t, cl)
	first := nodes[cl.addrs[0]]
	owners := slotOwners(t, first)

	const n = 12
	var keys []string // the Redis keys the Cache wrote, by the documented layout
	for i := range n {
		key, account := fmt.Sprintf("key-%d", i), fmt.Sprintf("account-%d", i)
		is.NoErr(c.Set(ctx, key, []byte("value "+key), time.Minute))
		r, err := c.Reserve(ctx, account, "hold", gateway.Micros(i+1), 100, time.Minute)
		is.NoErr(err)
		is.True(r.Granted)
		d, err := c.Allow(ctx, key, 10, time.Minute, 1)
		is.NoErr(err)
		is.True(d.Allowed)
		_, err = c.AddOutcomes(ctx, key, 1, 0, time.Minute)
		is.NoErr(err)
		keys = append(keys, prefix+"v:"+key, prefix+"r:"+key, prefix+"o:"+key, prefix+"p:{"+account+"}")

		// The hold's key is in the slot of its account, its hash tag.
		is.Equal(keySlot(t, first, prefix+"p:{"+account+"}"), keySlot(t, first, account))
	}

	used := map[string]int{} // master → keys it serves
	for _, key := range keys {
		owner := owners[keySlot(t, first, key)]
		used[owner]++
		for addr, node := range nodes {
			found, err := node.Do(ctx, node.B().Exists().Key(key).Build()).AsInt64()
			if addr != owner {
				if !strings.HasPrefix(fmt.Sprint(err), "MOVED ") {
					t.Errorf("EXISTS %s on %s, which does not serve its slot: %d, %v; want MOVED", key, addr, found, err)
				}
				continue
			}
			if err != nil || found != 1 {
				t.Errorf("EXISTS %s on %s, which serves its slot: %d, %v; want 1", key, addr, found, err)
			}
		}
	}
	t.Logf("%d keys per master: %v", len(keys), used)
	if len(used) < 2 {
		t.Fatalf("every key landed on one master (%v): the Cluster did not shard them", used)
	}

	// Read back through the Cache, from wherever each key lives.
	for i := range n {
		key, account := fmt.Sprintf("key-%d", i), fmt.Sprintf("account-%d", i)
		got, err := c.Get(ctx, key)
		is.NoErr(err)
		is.Equal(string(got), "value "+key)
		held, err := c.Held(ctx, account)
		is.NoErr(err)
		is.Equal(held, gateway.Micros(i+1))
		amount, found, err := c.Release(ctx, account, "hold")
		is.NoErr(err)
		is.True(found)
		is.Equal(amount, gateway.Micros(i+1))
		d, err := c.Allow(ctx, key, 10, time.Minute, 1)
		is.NoErr(err)
		is.Equal(d.Remaining, int64(8)) // the same bucket as before
		o, err := c.AddOutcomes(ctx, key, 0, 1, time.Minute)
		is.NoErr(err)
		is.Equal(o, gateway.Outcomes{Successes: 1, Failures: 1}) // the same figures
	}
}

// TestClusterPubSub checks Pub/Sub across a Cluster's nodes: Subscribe
// subscribes on the master that serves the channel name's slot (where
// Publish publishes), a payload published on any master still reaches
// it, and payloads one gateway instance publishes reach another's
// subscriber in order.
func TestClusterPubSub(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	cl := cluster(t)
	prefix := newClusterPrefix()
	sub, pub := openCluster(t, cl, prefix), openCluster(t, cl, prefix) // two instances
	nodes := nodeClients(t, cl)
	owner := slotOwners(t, nodes[cl.addrs[0]])[keySlot(t, nodes[cl.addrs[0]], prefix+"ch")]

	ch, err := sub.Subscribe(ctx, "ch")
	is.NoErr(err)

	// PUBSUB NUMSUB counts the subscribers of the node it is sent to.
	for addr, node := range nodes {
		r, err := node.Do(ctx, node.B().PubsubNumsub().Channel(prefix+"ch").Build()).AsIntMap()
		is.NoErr(err)
		want := int64(0)
		if addr == owner {
			want = 1
		}
		if r[prefix+"ch"] != want {
			t.Errorf("%s has %d subscribers of the channel, want %d (the channel's slot is served by %s)", addr, r[prefix+"ch"], want, owner)
		}
	}

	// Published on each master directly: the Cluster broadcasts it.
	want := map[string]bool{}
	for addr, node := range nodes {
		is.NoErr(node.Do(ctx, node.B().Publish().Channel(prefix+"ch").Message("from "+addr).Build()).Error())
		want["from "+addr] = true
	}
	for range nodes {
		p := receive(t, ch, 5*time.Second)
		is.True(want[p]) // one payload from each master
		delete(want, p)
	}

	// Published through another Cache: every payload, in order (fewer
	// than the subscription buffers, so none is dropped for being read late).
	const n = 50
	for i := range n {
		is.NoErr(pub.Publish(ctx, "ch", fmt.Appendf(nil, "m%d", i)))
	}
	var got bytes.Buffer
	for i := range n {
		p := receive(t, ch, 5*time.Second)
		fmt.Fprintf(&got, "%s ", p)
		if p != fmt.Sprintf("m%d", i) {
			t.Fatalf("payload %d is %q, want m%d; received %s", i, p, i, got.String())
		}
	}
}
