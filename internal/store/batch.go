package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// Group commit of rotations on SQLite.
//
// SQLite has one writer at a time, so a refresh waits for every rotation queued before it,
// and each rotation's commit writes about nine WAL pages (the token table, four of its
// indexes, the blacklist and its index) with two system calls each. Concurrent rotations are
// therefore run together: one goroutine takes every rotation queued while the previous batch
// ran, runs them one after the other in one transaction, and commits once. Pages the
// rotations share — the tables' last leaves, the expiry index, the id sequence — are written
// once per batch instead of once per rotation. Nothing waits on purpose: a lone rotation is a
// batch of one.
//
// Inside the transaction each rotation sees the ones before it, so two rotations of one token
// in one batch still have exactly one winner. A rotation that fails for any reason other than
// "already blacklisted" or "not recorded" aborts the batch, which is then run again one
// rotation per transaction so that each caller gets its own answer and no caller's failure
// undoes another's rotation. A caller that gives up (its context ends) while its rotation is
// queued or running gets its context's error; the rotation may still commit, exactly as a
// single transaction may commit just before its caller gives up.

// maxBatch bounds one batch: the write lock is held for the whole of it.
const maxBatch = 64

type rotateOp struct {
	ctx    context.Context
	oldJTI string
	args   []any      // rotateInsert's arguments
	at     time.Time  // the earliest blacklisted_at (see RotateRecorded)
	done   chan error // buffered: the batcher never blocks on a caller
}

type batcher struct {
	db     *DB
	queue  chan *rotateOp
	quit   chan struct{}
	exited chan struct{}
	once   sync.Once
	// batches and rotations count the transactions run and the rotations in them.
	batches, rotations atomic.Uint64
}

func newBatcher(db *DB) *batcher {
	b := &batcher{db: db, queue: make(chan *rotateOp, 1024), quit: make(chan struct{}),
		exited: make(chan struct{})}
	go b.loop()
	return b
}

// rotate queues one rotation and waits for its answer.
func (b *batcher) rotate(ctx context.Context, op *rotateOp) error {
	select {
	case b.queue <- op:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.exited:
		return fmt.Errorf("%w: the database is closed", auth.ErrUnavailable)
	}
	select {
	case err := <-op.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-b.exited:
		select {
		case err := <-op.done:
			return err
		default:
			return fmt.Errorf("%w: the database is closed", auth.ErrUnavailable)
		}
	}
}

func (b *batcher) loop() {
	defer close(b.exited)
	ops := make([]*rotateOp, 0, maxBatch)
	for {
		select {
		case op := <-b.queue:
			ops = append(ops[:0], op)
		case <-b.quit:
			return
		}
	fill:
		for len(ops) < maxBatch {
			select {
			case op := <-b.queue:
				ops = append(ops, op)
			default:
				break fill
			}
		}
		b.run(ops)
		clear(ops) // let the finished operations go
	}
}

// close stops the batcher after the batch it is running; queued rotations are refused.
func (b *batcher) close() {
	b.once.Do(func() { close(b.quit) })
	<-b.exited
}

// run answers every operation of one batch.
func (b *batcher) run(ops []*rotateOp) {
	db := b.db
	live := ops[:0:0]
	for _, op := range ops {
		if err := op.ctx.Err(); err != nil {
			op.done <- err
			continue
		}
		live = append(live, op)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), db.timeout)
	defer cancel()
	b.batches.Add(1)
	b.rotations.Add(uint64(len(live)))
	errs := make([]error, len(live))
	err := db.write(ctx, func(tx *sql.Tx) error {
		ran := db.now() // the write lock is held from here to the commit
		for i, op := range live {
			errs[i] = db.rotateIn(ctx, tx, op, ran)
			if errs[i] != nil && !errors.Is(errs[i], auth.ErrBlacklisted) && !errors.Is(errs[i], auth.ErrNotFound) {
				return errs[i]
			}
		}
		return nil
	})
	if err != nil && len(live) > 1 {
		for _, op := range live {
			op.done <- db.write(ctx, func(tx *sql.Tx) error { return db.rotateIn(ctx, tx, op, db.now()) })
		}
		return
	}
	for i, op := range live {
		if err != nil {
			op.done <- err
		} else {
			op.done <- errs[i]
		}
	}
}

// rotateIn runs one rotation inside tx: blacklist the old token, as of ran or op.at whichever
// is later, and record the next one in its family. It writes nothing when it returns
// auth.ErrBlacklisted or auth.ErrNotFound.
func (db *DB) rotateIn(ctx context.Context, tx *sql.Tx, op *rotateOp, ran time.Time) error {
	n, err := db.exec(ctx, tx, rotateBlacklist, db.dialect.ts(later(op.at, ran)), auth.ReasonRotated, op.oldJTI)
	if err != nil {
		return err
	}
	if n == 0 {
		return db.notRotated(ctx, tx, op.oldJTI)
	}
	return oneRow(db.exec(ctx, tx, rotateInsert, op.args...))
}
