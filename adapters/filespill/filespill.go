// Package filespill keeps request records in local files when the
// Recorder can neither queue nor write them (gateway.Spill): JSON lines
// appended to segment files and synced, replayed oldest first, and kept
// across restarts, so a record survives a dead database and a dead
// process alike.
package filespill

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

var _ gateway.Spill = (*Spill)(nil)

// Spill is a gateway.Spill in a directory. Put appends to the current
// segment; Replay first starts a new segment, so records spilled while it
// writes go to a file it does not read. It is safe for concurrent use.
type Spill struct {
	dir string

	mu      sync.Mutex // guards current
	current *os.File
	seq     int

	replaying sync.Mutex // one Replay at a time
	count     atomic.Int64
}

// New opens the spill directory dir (made 0700 if missing) and counts the
// records a previous run left there.
func New(dir string) (*Spill, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("filespill: %w", err)
	}
	s := &Spill{dir: dir}
	files, err := s.segments()
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		recs, err := readSegment(f)
		if err != nil {
			return nil, err
		}
		s.count.Add(int64(len(recs)))
	}
	return s, nil
}

// Put appends recs to the current segment and syncs it to disk.
func (s *Spill) Put(recs []*gateway.RequestRecord) error {
	var b []byte
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("filespill: encode record %s: %w", r.ID, err)
		}
		b = append(append(b, line...), '\n')
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil {
		s.seq++
		name := filepath.Join(s.dir, fmt.Sprintf("spill-%020d-%06d.jsonl", time.Now().UnixNano(), s.seq))
		f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("filespill: %w", err)
		}
		s.current = f
	}
	if _, err := s.current.Write(b); err != nil {
		return fmt.Errorf("filespill: %w", err)
	}
	if err := s.current.Sync(); err != nil {
		return fmt.Errorf("filespill: %w", err)
	}
	s.count.Add(int64(len(recs)))
	return nil
}

// Len reports how many records are kept.
func (s *Spill) Len() int { return int(s.count.Load()) }

// Replay writes the kept records in batches of at most n, oldest segment
// first, removing each segment once all of it is written; at the first
// failed batch it rewrites what is left of that segment and returns the
// error. It returns how many records were written.
func (s *Spill) Replay(n int, write func([]*gateway.RequestRecord) error) (int, error) {
	s.replaying.Lock()
	defer s.replaying.Unlock()
	s.rotate()
	files, err := s.segments()
	if err != nil {
		return 0, err
	}
	written := 0
	for _, f := range files {
		if s.isCurrent(f) {
			continue
		}
		recs, err := readSegment(f)
		if err != nil {
			return written, err
		}
		for len(recs) > 0 {
			batch := recs[:min(n, len(recs))]
			if err := write(batch); err != nil {
				return written, s.keep(f, recs, err)
			}
			recs = recs[len(batch):]
			written += len(batch)
			s.count.Add(-int64(len(batch)))
		}
		if err := os.Remove(f); err != nil {
			return written, fmt.Errorf("filespill: %w", err)
		}
	}
	return written, nil
}

// Close closes the current segment; what is kept stays on disk.
func (s *Spill) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil {
		return nil
	}
	err := s.current.Close()
	s.current = nil
	return err
}

// rotate closes the current segment so that later Puts start a new one.
func (s *Spill) rotate() { _ = s.Close() }

func (s *Spill) isCurrent(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current != nil && s.current.Name() == path
}

// keep rewrites path with the records not yet written, atomically, and
// returns cause.
func (s *Spill) keep(path string, recs []*gateway.RequestRecord, cause error) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("filespill: %w (after %v)", err, cause)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return fmt.Errorf("filespill: %w (after %v)", err, cause)
		}
	}
	if err := w.Flush(); err == nil {
		err = f.Sync()
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("filespill: %w (after %v)", err, cause)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("filespill: %w (after %v)", err, cause)
	}
	return cause
}

// segments lists the segment files, oldest first (their names sort by
// creation time).
func (s *Spill) segments() ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("filespill: %w", err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "spill-") && strings.HasSuffix(e.Name(), ".jsonl") {
			out = append(out, filepath.Join(s.dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// readSegment reads a segment's records. A last line cut short by a crash
// mid-write is skipped: it was never acknowledged as kept.
func readSegment(path string) ([]*gateway.RequestRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("filespill: %w", err)
	}
	defer f.Close()
	var recs []*gateway.RequestRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var r gateway.RequestRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			continue
		}
		recs = append(recs, &r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("filespill: read %s: %w", path, err)
	}
	return recs, nil
}
