package gateway

import (
	"context"
	"log/slog"
	"sync"
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
}

// Recorder takes RequestRecords off the request path and writes them to a
// RecordStore in batches. When the store fails, the batch is retried with
// backoff (doubling from 100ms to 10s) until it is written or the Recorder
// is closed, so no record is dropped. A full queue makes Record wait for
// room: a slow store slows requests rather than losing their records.
// It is safe for concurrent use.
type Recorder struct {
	cfg   RecorderConfig
	store RecordStore
	queue chan *RequestRecord
	flush chan chan struct{}
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
	// lost counts records that could not be written before Close.
	lost int
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
	r := &Recorder{
		cfg:   cfg,
		store: store,
		queue: make(chan *RequestRecord, cfg.QueueSize),
		flush: make(chan chan struct{}),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go r.run()
	return r
}

// Record queues rec to be written. After Close it writes rec at once.
func (r *Recorder) Record(rec *RequestRecord) {
	select {
	case <-r.stop:
		r.writeNow([]*RequestRecord{rec})
		return
	default:
	}
	select {
	case r.queue <- rec:
	case <-r.stop:
		r.writeNow([]*RequestRecord{rec})
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
		if r.lost > 0 {
			return Errorf(CodeInternal, "%d request records could not be written", r.lost)
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
		case ack := <-r.flush:
			batch = r.drain(batch)
			close(ack)
		case <-r.stop:
			r.drain(batch)
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
		stopping := false
		select {
		case <-r.stop:
			stopping = true
		default:
		}
		if stopping && try >= 3 {
			r.lost += len(batch)
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
		r.cfg.Logger.Error("write request record after close", "err", err)
	}
}
