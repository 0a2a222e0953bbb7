package filespill_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/filespill"
	"github.com/tollgate-ai/tollgate/gateway"
)

func rec(i int) *gateway.RequestRecord {
	return &gateway.RequestRecord{ID: fmt.Sprintf("req_%04d", i), Time: time.Unix(int64(i), 0).UTC(), Model: "m",
		Usage: gateway.Usage{TotalTokens: i}, Latency: time.Duration(i) * time.Millisecond, Code: gateway.CodeUpstream}
}

func TestPutReplay(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s, err := filespill.New(t.TempDir())
	is.NoErr(err)
	for i := range 7 {
		is.NoErr(s.Put([]*gateway.RequestRecord{rec(i)}))
	}
	is.Equal(s.Len(), 7)
	var got []*gateway.RequestRecord
	n, err := s.Replay(3, func(b []*gateway.RequestRecord) error {
		is.True(len(b) <= 3)
		got = append(got, b...)
		return nil
	})
	is.NoErr(err)
	is.Equal(n, 7)
	is.Equal(s.Len(), 0)
	is.Equal(len(got), 7)
	is.Equal(*got[5], *rec(5)) // every field comes back
}

func TestReplayKeepsWhatFails(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s, err := filespill.New(t.TempDir())
	is.NoErr(err)
	for i := range 10 {
		is.NoErr(s.Put([]*gateway.RequestRecord{rec(i)}))
	}
	calls := 0
	down := errors.New("database is down")
	n, err := s.Replay(4, func(b []*gateway.RequestRecord) error {
		calls++
		if calls == 2 {
			return down
		}
		return nil
	})
	is.True(errors.Is(err, down))
	is.Equal(n, 4)
	is.Equal(s.Len(), 6)
	var ids []string
	_, err = s.Replay(100, func(b []*gateway.RequestRecord) error {
		for _, r := range b {
			ids = append(ids, r.ID)
		}
		return nil
	})
	is.NoErr(err)
	is.Equal(ids, []string{"req_0004", "req_0005", "req_0006", "req_0007", "req_0008", "req_0009"}) // the rest, once, in order
}

func TestSurvivesRestartAndTornLine(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	dir := t.TempDir()
	s, err := filespill.New(dir)
	is.NoErr(err)
	is.NoErr(s.Put([]*gateway.RequestRecord{rec(1), rec(2)}))
	is.NoErr(s.Close())
	files, _ := filepath.Glob(filepath.Join(dir, "spill-*.jsonl"))
	is.Equal(len(files), 1)
	f, err := os.OpenFile(files[0], os.O_APPEND|os.O_WRONLY, 0)
	is.NoErr(err)
	_, err = f.WriteString(`{"ID":"req_torn","Ti`) // a crash mid-write
	is.NoErr(err)
	f.Close()

	again, err := filespill.New(dir)
	is.NoErr(err)
	is.Equal(again.Len(), 2)
	n, err := again.Replay(10, func([]*gateway.RequestRecord) error { return nil })
	is.NoErr(err)
	is.Equal(n, 2)
}

func TestConcurrentPutDuringReplay(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s, err := filespill.New(t.TempDir())
	is.NoErr(err)
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				_ = s.Put([]*gateway.RequestRecord{rec(g*1000 + i)})
			}
		}()
	}
	write := func(b []*gateway.RequestRecord) error {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range b {
			if seen[r.ID] {
				return fmt.Errorf("%s written twice", r.ID)
			}
			seen[r.ID] = true
		}
		return nil
	}
	for range 5 {
		_, err := s.Replay(16, write)
		is.NoErr(err)
	}
	wg.Wait()
	_, err = s.Replay(16, write)
	is.NoErr(err)
	is.Equal(len(seen), 200) // every record once
	is.Equal(s.Len(), 0)
}
