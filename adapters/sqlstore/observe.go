package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// ObserveQueries calls observe after every query the Store runs, with its
// operation (SELECT, INSERT, UPDATE, DELETE, ...), its duration and its
// error (nil for sql.ErrNoRows, an answer rather than a failure): a host
// times its Store with it (adapters/metrics). Call it before serving;
// it is not safe to call while queries run.
func (s *Store) ObserveQueries(observe func(op string, d time.Duration, err error)) {
	s.db.AddQueryHook(queryObserver(observe))
}

type queryObserver func(op string, d time.Duration, err error)

func (o queryObserver) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (o queryObserver) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	err := e.Err
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	o(e.Operation(), time.Since(e.StartTime), err)
}
