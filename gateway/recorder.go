package gateway

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// RecorderConfig tunes a Recorder. Zero fields take the documented
// defaults.
type RecorderConfig struct {
	// QueueSize bounds the records waiting to be written. Default 10000.
	QueueSize int
	// BatchSize is the most records written at once. Default 500.
	BatchSize int
	// Interval is the longest a record waits before its batch is written.
	// Default 1s.
	Interval time.Duration
	// Logger reports failed writes. Default slog.Default().
	Logger *slog.Logger
	// Retention deletes records older than this, in the background, in
	// batches; 0 keeps them for ever.
	Retention time.Duration
	// StatsRetention deletes usage statistics older than this, when the
	// store keeps them (StatsStore); 0 keeps them for ever.
	StatsRetention time.Duration
	// RetentionEvery is how often old records are deleted. Default 10m.
	RetentionEvery time.Duration
	// RetentionBatch is how many records one delete removes. Default 1000.
	RetentionBatch int
	// Clock tells the time for Retention. Default SystemClock.
	Clock Clock
	// Spill keeps records on local disk when the queue is full or the
	// store fails, to be written back later. Without one, a full queue
	// makes Record wait and a failing store is retried until it answers.
	Spill Spill
}

// Spill keeps request records outside the process's memory until they
// can be written: what the Recorder could neither queue nor write.
// Implementations must be safe for concurrent use.
type Spill interface {
	// Put keeps recs durably; an error means they were not kept.
	Put(recs []*RequestRecord) error
	// Replay hands kept records to write in batches of at most n, oldest
	// first, and forgets each batch write accepts; it stops at the first
	// error, which it returns, keeping the rest.
	Replay(n int, write func([]*RequestRecord) error) (int, error)
	// Len reports how many records are kept.
	Len() int
}

// Recorder takes RequestRecords off the request path and writes them to a
// RecordStore in batches, and no record is dropped:
//
//   - with a Spill, a record the queue has no room for, or a batch the
//     store refuses, goes to the Spill at once and is written back once
//     the store answers again (checked every Interval), so neither a slow
//     nor a dead store blocks a request; Close leaves what the store
//     still refuses in the Spill, for the next start;
//   - without one, a full queue makes Record wait for room, and a failing
//     store is retried with backoff (doubling from 100ms to 10s).
//
// It is safe for concurrent use.
type Recorder struct {
	cfg   RecorderConfig
	store RecordStore
	queue chan *RequestRecord
	flush chan chan struct{}
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
	// lost counts records that could be neither written nor kept.
	lost atomic.Int64
}

// NewRecorder starts a Recorder writing to store; Close stops it.
func NewRecorder(cfg RecorderConfig, store RecordStore) *Recorder {
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 10000
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RetentionEvery <= 0 {
		cfg.RetentionEvery = 10 * time.Minute
	}
	if cfg.RetentionBatch <= 0 {
		cfg.RetentionBatch = 1000
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	r := &Recorder{
		cfg:   cfg,
		store: store,
		queue: make(chan *RequestRecord, cfg.QueueSize),
		flush: make(chan chan struct{}),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go r.run()
	if cfg.Retention > 0 || cfg.StatsRetention > 0 {
		go r.retain()
	}
	return r
}

// retain deletes records older than the retention every RetentionEvery,
// a batch at a time, until none is left or the Recorder stops. Several
// instances may do it at once: a record is deleted once whoever does it.
func (r *Recorder) retain() {
	tick := time.NewTicker(r.cfg.RetentionEvery)
	defer tick.Stop()
	for {
		if r.cfg.Retention > 0 {
			r.deleteOld()
		}
		r.pruneStats()
		select {
		case <-r.stop:
			return
		case <-tick.C:
		}
	}
}

// pruneStats deletes statistics older than StatsRetention, when the
// store keeps statistics.
func (r *Recorder) pruneStats() {
	ss, ok := r.store.(StatsStore)
	if !ok || r.cfg.StatsRetention <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := ss.DeleteStatsBefore(ctx, r.cfg.Clock.Now().Add(-r.cfg.StatsRetention))
	if err != nil {
		r.cfg.Logger.Warn("delete old statistics", "err", err)
	} else if n > 0 {
		r.cfg.Logger.Info("old statistics deleted", "rows", n)
	}
}

// deleteOld runs one retention pass and returns how many records it
// deleted.
func (r *Recorder) deleteOld() int {
	cutoff := r.cfg.Clock.Now().Add(-r.cfg.Retention)
	total := 0
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		n, err := r.store.DeleteRecordsBefore(ctx, cutoff, r.cfg.RetentionBatch)
		cancel()
		total += n
		if err != nil {
			r.cfg.Logger.Warn("delete old request records", "deleted", total, "err", err)
			return total
		}
		if n < r.cfg.RetentionBatch {
			if total > 0 {
				r.cfg.Logger.Info("old request records deleted", "records", total, "before", cutoff)
			}
			return total
		}
		select {
		case <-r.stop:
			return total
		case <-time.After(100 * time.Millisecond): // leave the database room for requests
		}
	}
}

// Record queues rec to be written. After Close it writes rec at once.
func (r *Recorder) Record(rec *RequestRecord) {
	select {
	case <-r.stop:
		r.writeNow([]*RequestRecord{rec})
		return
	default:
	}
	if r.cfg.Spill != nil {
		select {
		case r.queue <- rec:
		default:
			r.spill([]*RequestRecord{rec}) // the queue is full: never wait
		}
		return
	}
	select {
	case r.queue <- rec:
	case <-r.stop:
		r.writeNow([]*RequestRecord{rec})
	}
}

// Spilled reports how many records wait in the Spill.
func (r *Recorder) Spilled() int {
	if r.cfg.Spill == nil {
		return 0
	}
	return r.cfg.Spill.Len()
}

// spill keeps recs in the Spill; if even that fails, they are written
// synchronously as a last resort, and counted lost if that fails too.
func (r *Recorder) spill(recs []*RequestRecord) {
	if err := r.cfg.Spill.Put(recs); err != nil {
		r.cfg.Logger.Error("spill request records", "records", len(recs), "err", err)
		r.writeNow(recs)
	}
}

// replay writes spilled records back to the store, stopping at the first
// failure.
func (r *Recorder) replay() {
	if r.cfg.Spill == nil || r.cfg.Spill.Len() == 0 {
		return
	}
	n, err := r.cfg.Spill.Replay(r.cfg.BatchSize, func(batch []*RequestRecord) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return r.store.InsertRecords(ctx, batch)
	})
	if n > 0 {
		r.cfg.Logger.Info("spilled request records written back", "records", n)
	}
	if err != nil {
		r.cfg.Logger.Warn("spilled request records kept for later", "left", r.cfg.Spill.Len(), "err", err)
	}
}

// Queued returns how many records wait to be written.
func (r *Recorder) Queued() int { return len(r.queue) }

// Flush waits until every record queued before the call is written, or
// ctx ends.
func (r *Recorder) Flush(ctx context.Context) error {
	ack := make(chan struct{})
	select {
	case r.flush <- ack:
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes every queued record and stops the Recorder. It waits at
// most until ctx ends; records still unwritten then are reported in the
// error.
func (r *Recorder) Close(ctx context.Context) error {
	r.once.Do(func() { close(r.stop) })
	select {
	case <-r.done:
		if n := r.lost.Load(); n > 0 {
			return Errorf(CodeInternal, "%d request records could not be written", n)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Recorder) run() {
	defer close(r.done)
	tick := time.NewTicker(r.cfg.Interval)
	defer tick.Stop()
	batch := make([]*RequestRecord, 0, r.cfg.BatchSize)
	for {
		select {
		case rec := <-r.queue:
			batch = append(batch, rec)
			if len(batch) >= r.cfg.BatchSize {
				batch = r.write(batch)
			}
		case <-tick.C:
			batch = r.write(batch)
			r.replay()
		case ack := <-r.flush:
			batch = r.drain(batch)
			r.replay()
			close(ack)
		case <-r.stop:
			r.drain(batch)
			r.replay()
			return
		}
	}
}

// drain writes the batch and everything queued.
func (r *Recorder) drain(batch []*RequestRecord) []*RequestRecord {
	for {
		select {
		case rec := <-r.queue:
			batch = append(batch, rec)
			if len(batch) >= r.cfg.BatchSize {
				batch = r.write(batch)
			}
		default:
			return r.write(batch)
		}
	}
}

// write stores batch, retrying with backoff; while stopping it gives up
// after a few tries and counts the records as lost. It returns batch
// emptied for reuse.
func (r *Recorder) write(batch []*RequestRecord) []*RequestRecord {
	if len(batch) == 0 {
		return batch
	}
	backoff := 100 * time.Millisecond
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := r.store.InsertRecords(ctx, batch)
		cancel()
		if err == nil {
			break
		}
		r.cfg.Logger.Error("write request records", "records", len(batch), "try", try, "err", err)
		if r.cfg.Spill != nil {
			r.spill(batch) // written back when the store answers again
			break
		}
		stopping := false
		select {
		case <-r.stop:
			stopping = true
		default:
		}
		if stopping && try >= 3 {
			r.lost.Add(int64(len(batch)))
			break
		}
		time.Sleep(backoff)
		backoff = min(backoff*2, 10*time.Second)
	}
	clear(batch)
	return batch[:0]
}

// writeNow writes records that arrive after Close, synchronously.
func (r *Recorder) writeNow(recs []*RequestRecord) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.store.InsertRecords(ctx, recs); err != nil {
		r.lost.Add(int64(len(recs)))
		r.cfg.Logger.Error("request records lost", "records", len(recs), "err", err)
	}
}
