package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
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
