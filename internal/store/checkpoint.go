package store

import (
	"context"
	"time"
)

// Checkpoints outside the commits, on SQLite.
//
// SQLite copies its write-ahead log back into the database file in whichever commit finds the
// log past wal_autocheckpoint pages (1,000 by default), and that commit holds the one write
// lock while it copies and syncs: every writer queued behind it waits too. With a million
// tokens the pages a rotation touches are scattered over the file, the copy takes
// milliseconds, and one refresh in a hundred paid for it — that was the p99 at scale
// (docs/benchmarks-storage.md).
//
// So a goroutine checkpoints instead, after every checkpointCommits commits or checkpointEvery,
// on a connection of its own. A PASSIVE checkpoint takes no write lock and waits for no
// reader: writers go on appending meanwhile. It cannot rewind the log, though — only a writer
// that starts while every frame is copied can, which under steady load never happens — so once
// the log holds walRestartPages frames, all copied, a RESTART checkpoint rewinds it. That one
// holds new writers back while it copies the few frames written since and syncs, and it would
// also hold them while waiting for readers to leave the log: its connection has no busy
// timeout, so it gives up instead and tries again later. The writer's own threshold stays,
// raised to walBackstopPages, for when the goroutine falls behind (a long reader pinning old
// frames).
//
// Measured (docs/benchmarks-storage.md): refresh p99 at a million tokens went from 2.4× to
// 1.1× that at a thousand.

const (
	checkpointEvery   = 50 * time.Millisecond
	checkpointCommits = 16
	walRestartPages   = 4000  // about 16 MiB of log
	walBackstopPages  = 16000 // about 64 MiB
)

// WriteStats are counters of SQLite's write path, for metrics: rotations run in group commits
// (batch.go) and checkpoints run in the background (this file). Zero on PostgreSQL.
type WriteStats struct {
	Batches, BatchedRotations uint64 // group commits, and the rotations they ran
	Checkpoints, Rewinds      uint64 // background checkpoints, and those that rewound the log
}

// WriteStats reports the write path's counters.
func (db *DB) WriteStats() WriteStats {
	s := WriteStats{Checkpoints: db.ckpts.Load(), Rewinds: db.restarts.Load()}
	if db.batch != nil {
		s.Batches, s.BatchedRotations = db.batch.batches.Load(), db.batch.rotations.Load()
	}
	return s
}

// noteCommit counts a commit and wakes the checkpointer every checkpointCommits commits.
func (db *DB) noteCommit() {
	if db.ckptWake == nil {
		return
	}
	if db.commits.Add(1)%checkpointCommits == 0 {
		select {
		case db.ckptWake <- struct{}{}:
		default:
		}
	}
}

// checkpointLoop runs until stop is closed; it signals done when it has returned.
func (db *DB) checkpointLoop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	var seen uint64
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		case <-db.ckptWake:
		}
		if n := db.commits.Load(); n != seen {
			seen = n
			db.checkpoint(context.Background())
		}
	}
}

// checkpoint copies SQLite's write-ahead log back into the database outside the write lock,
// and rewinds a long log whose frames are all copied.
// It is an optimisation, not a duty: when it fails (a concurrent checkpoint, a timeout) the
// writer's auto-checkpoint still runs, so its errors are dropped. PostgreSQL needs nothing of
// the kind.
func (db *DB) checkpoint(ctx context.Context) {
	if db.ckpt == nil {
		return
	}
	ctx, cancel := db.op(ctx)
	defer cancel()
	var busy, log, copied int
	err := db.ckpt.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied)
	if err != nil || busy != 0 {
		return
	}
	db.ckpts.Add(1)
	if log >= db.walRestart && copied == log {
		err = db.ckpt.QueryRowContext(ctx, `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &log, &copied)
		if err == nil && busy == 0 {
			db.restarts.Add(1)
		}
	}
}
