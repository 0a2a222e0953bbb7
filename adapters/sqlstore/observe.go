package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// queryObserver is the function ObserveQueries installs.
type queryObserver = func(op string, d time.Duration, err error)

// ObserveQueries calls observe after every query the Store runs, with its
// operation (SELECT, INSERT, UPDATE, DELETE, ...), its duration and its
// error (nil for sql.ErrNoRows, an answer rather than a failure): a host
// times its Store with it (adapters/metrics). It may be called at any
// time, also while queries run; a later call replaces the observer.
func (s *Store) ObserveQueries(observe func(op string, d time.Duration, err error)) {
	s.observer.Store(&observe)
}

// queryHook is the bun hook every Store installs when it opens; it calls
// the observer, if any.
type queryHook struct {
	observer *atomic.Pointer[queryObserver]
}

func (h queryHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h queryHook) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	o := h.observer.Load()
	if o == nil {
		return
	}
	err := e.Err
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	(*o)(e.Operation(), time.Since(e.StartTime), err)
}
