package gateway

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// meter counts each account's requests and tokens in process and adds
// them to shared counters in the Cache once a second, off the request
// path, so realtime figures cover every instance at the cost of a few
// Cache calls per active account per second.
type meter struct {
	mu       sync.Mutex
	pending  map[counter]int64 // units counted since the last flush
	inFlight map[string]int64  // account → requests running on this instance
}

func newMeter() *meter {
	return &meter{pending: make(map[counter]int64), inFlight: make(map[string]int64)}
}

// counter is a shared counter, named by its parts rather than by its
// key: end counts 16 of them per request under the meter's lock, and
// building their keys there cost more than the rest of end; flush
// builds each key once a second.
type counter struct {
	account string
	kind    string // "r" requests, "t" tokens
	window  int    // index in realtimeWindows
	slot    int64  // the window's start, in widths since the epoch
}

func (c counter) key() string {
	w := realtimeWindows[c.window]
	return "rt:{" + c.account + "}:" + c.kind + ":" + w.name + ":" + strconv.FormatInt(c.slot, 10)
}

func (c counter) width() time.Duration { return realtimeWindows[c.window].width }

// realtimeWindows are the calendar windows the counters keep.
var realtimeWindows = []struct {
	name  string
	width time.Duration
}{
	{"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour},
}

// allAccounts is the account name of the gateway-wide counters, which no
// account ID can take (IDs have a prefix and no "*").
const allAccounts = "*"

// realtimeKey names the counter of kind ("r" requests, "t" tokens) for an
// account in the window that holds at. The account is the hash tag, so an
// account's counters share a cluster slot.
func realtimeKey(account, kind, window string, width time.Duration, at time.Time) string {
	return "rt:{" + account + "}:" + kind + ":" + window + ":" + strconv.FormatInt(windowSlot(at, width), 10)
}

// windowSlot numbers the window of width that holds at.
func windowSlot(at time.Time, width time.Duration) int64 { return at.UnixNano() / int64(width) }

func (m *meter) start(account string) {
	m.mu.Lock()
	m.inFlight[account]++
	m.mu.Unlock()
}

// end counts a finished request and its tokens in the windows of now.
func (m *meter) end(account string, tokens int64, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.inFlight[account]--; m.inFlight[account] <= 0 {
		delete(m.inFlight, account)
	}
	for _, a := range [2]string{account, allAccounts} {
		for i, w := range realtimeWindows {
			slot := windowSlot(now, w.width)
			m.pending[counter{a, "r", i, slot}]++
			if tokens > 0 {
				m.pending[counter{a, "t", i, slot}] += tokens
			}
		}
	}
}

func (m *meter) running(account string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.inFlight[account]
}

// flush adds the pending counts to the shared counters, each kept twice
// its window. A count that does not reach the Cache stays pending for the
// next flush, so none is lost or added twice.
func (m *meter) flush(ctx context.Context, cache Cache) error {
	m.mu.Lock()
	pending := m.pending
	m.pending = make(map[counter]int64)
	m.mu.Unlock()
	var firstErr error
	for c, n := range pending {
		if _, err := cache.Incr(ctx, c.key(), n, 2*c.width()+time.Minute); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			m.mu.Lock()
			m.pending[c] += n
			m.mu.Unlock()
		}
	}
	return firstErr
}
