package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/filespill"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

// flakyRecords fails its first writes, then keeps what it is given.
type flakyRecords struct {
	mu       sync.Mutex
	failures int
	writes   int
	kept     map[string]bool
}

func (s *flakyRecords) InsertRecords(_ context.Context, rs []*gateway.RequestRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	if s.failures > 0 {
		s.failures--
		return errors.New("database is down")
	}
	for _, r := range rs {
		s.kept[r.ID] = true
	}
	return nil
}

func (s *flakyRecords) ListRecords(context.Context, gateway.RecordFilter) ([]*gateway.RequestRecord, error) {
	return nil, nil
}

func (s *flakyRecords) DeleteRecordsBefore(context.Context, time.Time, int) (int, error) {
	return 0, nil
}

func (s *flakyRecords) count() (kept, writes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.kept), s.writes
}

func TestRecorderRetriesAndFlushesEverything(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	store := &flakyRecords{failures: 2, kept: map[string]bool{}}
	r := gateway.NewRecorder(gateway.RecorderConfig{BatchSize: 10, QueueSize: 8, Interval: time.Hour}, store)
	var wg sync.WaitGroup
	for g := 0; g < 5; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				r.Record(&gateway.RequestRecord{ID: fmt.Sprintf("req_%d_%d", g, i)})
			}
		}()
	}
	wg.Wait()
	is.NoErr(r.Close(context.Background()))
	kept, writes := store.count()
	is.Equal(kept, 100)     // nothing lost though the store failed
	is.True(writes >= 10+2) // batches of at most 10, plus the two failures
	// A record that arrives after Close is still written.
	r.Record(&gateway.RequestRecord{ID: "late"})
	kept, _ = store.count()
	is.Equal(kept, 101)
}

func TestRecorderReportsWhatItCouldNotWrite(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	store := &flakyRecords{failures: 1 << 30, kept: map[string]bool{}}
	r := gateway.NewRecorder(gateway.RecorderConfig{Interval: time.Hour}, store)
	r.Record(&gateway.RequestRecord{ID: "a"})
	err := r.Close(context.Background())
	is.Equal(gateway.ErrorCode(err), gateway.CodeInternal)
	is.Equal(gateway.ErrorMessage(err), "1 request records could not be written")
}

// With a Spill, a dead store never blocks Record, and every record is
// written once the store is back.
func TestRecorderSpillsAndWritesBack(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	store := &flakyRecords{failures: 1 << 30, kept: map[string]bool{}}
	spill, err := filespill.New(t.TempDir())
	is.NoErr(err)
	r := gateway.NewRecorder(gateway.RecorderConfig{QueueSize: 4, BatchSize: 8, Interval: 10 * time.Millisecond, Spill: spill}, store)
	done := make(chan struct{})
	go func() {
		for i := 0; i < 200; i++ {
			r.Record(&gateway.RequestRecord{ID: fmt.Sprintf("req_%d", i)})
		}
		close(done)
	}()
	select {
	case <-done: // Record never waited on the dead store
	case <-time.After(10 * time.Second):
		t.Fatal("Record blocked while the store was down")
	}
	is.True(r.Spilled() > 0)
	store.mu.Lock()
	store.failures = 0 // the store is back
	store.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		kept, _ := store.count()
		if kept == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	is.NoErr(r.Close(context.Background()))
	kept, _ := store.count()
	is.Equal(kept, 200)
	is.Equal(r.Spilled(), 0)
}

// Records older than the retention are deleted in the background, in
// batches, and newer ones stay.
func TestRecorderRetention(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	store := memory.NewStore()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var old []*gateway.RequestRecord
	for i := range 25 {
		old = append(old, &gateway.RequestRecord{ID: fmt.Sprintf("old_%02d", i), Time: now.Add(-48 * time.Hour)})
	}
	is.NoErr(store.InsertRecords(context.Background(), append(old, &gateway.RequestRecord{ID: "new", Time: now.Add(-time.Hour)})))
	r := gateway.NewRecorder(gateway.RecorderConfig{Retention: 24 * time.Hour, StatsRetention: 24 * time.Hour, RetentionBatch: 10,
		Clock: gatewaytest.NewClock(now)}, store)
	defer r.Close(context.Background())
	stats := func() int {
		ps, err := store.QueryStats(context.Background(), gateway.StatsQuery{Since: now.Add(-72 * time.Hour), Until: now, Resolution: time.Hour})
		is.NoErr(err)
		return len(ps)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		left, err := store.ListRecords(context.Background(), gateway.RecordFilter{})
		is.NoErr(err)
		if (len(left) == 1 && stats() == 1) || time.Now().After(deadline) {
			is.Equal(len(left), 1)
			is.Equal(left[0].ID, "new")
			is.Equal(stats(), 1) // the old minutes' statistics went too; the new one's stayed
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
