package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Group commit: Begin, Finish and Skip do not write themselves. They queue
// an op for the store's single writer goroutine, which runs every op
// queued (up to Options.MaxBatch) in one transaction and then answers their
// callers. Each call still returns only once its op is committed (or has
// failed), so it keeps the guarantees of a transaction of its own; what is
// shared is the cost of the transaction and of the WAL writes of its pages,
// which dominates when many runs start or end at once. While a batch is
// being written the next ops queue up, so batches grow with the load by
// themselves; Options.CommitDelay can make the writer wait a little for
// more ops as well.
//
// An op that fails without changing anything (a Finish of a run that does
// not exist or is no longer running) fails alone. Any other error rolls the
// batch back, and its ops are then written one transaction each, so that
// only the op at fault fails.

// opKind is the kind of a queued write.
type opKind uint8

const (
	opBegin opKind = iota + 1
	opFinish
	opSkip
)

// States of an op: queued, then taken by the writer or abandoned by its
// caller (whose context ended first).
const (
	opQueued int32 = iota
	opTaken
	opAbandoned
)

// op is one queued write and, once done is closed, its outcome.
type op struct {
	kind   opKind
	run    Run
	result sql.NullString // Finish: encoded Run.Result
	logs   []encodedLine  // Finish, Skip: capped, encoded log lines
	state  atomic.Int32
	done   chan struct{}

	id  int64 // Begin, Skip: the new run's id
	err error
}

// submit queues o for the writer and waits until it is written. If ctx ends
// before the writer took o, o is dropped and ctx's error returned; once
// taken, o is waited for whatever ctx does (it takes one batch).
func (s *Store) submit(ctx context.Context, o *op) error {
	o.done = make(chan struct{})
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.queue = append(s.queue, o)
	n := len(s.queue)
	s.mu.Unlock()
	if n == 1 || n == s.opts.MaxBatch {
		s.wakeWriter()
	}
	select {
	case <-o.done:
		return o.err
	case <-ctx.Done():
		if o.state.CompareAndSwap(opQueued, opAbandoned) {
			return ctx.Err()
		}
		<-o.done
		return o.err
	}
}

// wakeWriter nudges the writer (without blocking).
func (s *Store) wakeWriter() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// writeLoop is the writer goroutine: it writes batches until the store is
// closed and its queue is empty.
func (s *Store) writeLoop() {
	defer close(s.writerDone)
	var timer *time.Timer
	for {
		batch, stop := s.nextBatch(&timer)
		if len(batch) > 0 {
			s.writeBatch(batch)
		}
		if stop {
			return
		}
	}
}

// nextBatch waits for queued ops and takes up to MaxBatch of them; stop is
// true once the store is closed and nothing is left.
func (s *Store) nextBatch(timer **time.Timer) (batch []*op, stop bool) {
	for {
		s.mu.Lock()
		n, closed := len(s.queue), s.closed
		s.mu.Unlock()
		if n > 0 {
			break
		}
		if closed {
			return nil, true
		}
		<-s.wake
	}
	if d := s.opts.CommitDelay; d > 0 {
		if *timer == nil {
			*timer = time.NewTimer(d)
		} else {
			(*timer).Reset(d)
		}
	gather:
		for {
			s.mu.Lock()
			full, closed := len(s.queue) >= s.opts.MaxBatch, s.closed
			s.mu.Unlock()
			if full || closed {
				(*timer).Stop()
				break
			}
			select {
			case <-s.wake:
			case <-(*timer).C:
				break gather
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := min(len(s.queue), s.opts.MaxBatch)
	batch = append([]*op(nil), s.queue[:k]...)
	rest := copy(s.queue, s.queue[k:])
	clear(s.queue[rest:])
	s.queue = s.queue[:rest]
	return batch, false
}

// writeBatch writes the ops of batch that their callers still wait for,
// then answers them.
func (s *Store) writeBatch(batch []*op) {
	ops := batch[:0]
	for _, o := range batch {
		if o.state.CompareAndSwap(opQueued, opTaken) {
			ops = append(ops, o)
		}
	}
	if len(ops) == 0 {
		return
	}
	defer func() {
		// A bug must not leave the callers waiting forever.
		if r := recover(); r != nil {
			for _, o := range ops {
				o.fail(fmt.Errorf("internal error: %v", r))
			}
		}
		for _, o := range ops {
			close(o.done)
		}
	}()
	if err := s.execBatch(ops); err != nil {
		if len(ops) == 1 {
			ops[0].fail(err)
		} else {
			// Find the op at fault: one transaction each.
			for _, o := range ops {
				if err := s.execBatch([]*op{o}); err != nil {
					o.fail(err)
				}
			}
		}
	}
}

// fail sets the outcome of an op whose transaction failed with err.
func (o *op) fail(err error) {
	o.id = 0
	switch o.kind {
	case opBegin:
		o.err = fmt.Errorf("history: begin %s: %w", o.run.Job, err)
	case opSkip:
		o.err = fmt.Errorf("history: skip %s: %w", o.run.Job, err)
	default:
		o.err = fmt.Errorf("history: finish run %d: %w", o.run.ID, err)
	}
}

// batchTx is the transaction of a batch with its statements, prepared on
// first use.
type batchTx struct {
	s                         *Store
	tx                        *sql.Tx
	insert, finish, insertLog *sql.Stmt
	prune                     [numKinds]*sql.Stmt
}

func (b *batchTx) stmt(p **sql.Stmt, st *sql.Stmt) *sql.Stmt {
	if *p == nil {
		*p = b.tx.Stmt(st)
	}
	return *p
}

// execBatch writes ops in one transaction. An op that fails without
// changing anything gets its error and the others go on; any other error
// rolls the transaction back and is returned (the ops' own results are
// then meaningless).
func (s *Store) execBatch(ops []*op) error {
	tx, err := s.w.Begin()
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	b := &batchTx{s: s, tx: tx}
	for _, o := range ops {
		o.id, o.err = 0, nil
		var err error
		switch o.kind {
		case opBegin:
			o.id, err = b.insertRun(o.run, nil, OutcomeRunning)
		case opSkip:
			err = b.skip(o)
		case opFinish:
			err = b.finishRun(o)
		}
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

// insertRun inserts a new run (Begin; Skip with end set to its start).
func (b *batchTx) insertRun(r Run, end *time.Time, outcome Outcome) (int64, error) {
	endNS := sql.NullInt64{}
	if end != nil {
		endNS = nanos(*end)
	}
	res, err := b.stmt(&b.insert, b.s.st.insert).Exec(r.Job, r.Trigger, max(r.Attempt, 1), nanos(r.Scheduled),
		nanos(r.Start), endNS, outcome, r.Error, nil, 0, nil, 0, r.DryRun)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// skip inserts a skipped run with its logs and prunes its job if due.
func (b *batchTx) skip(o *op) error {
	outcome, end := OutcomeSkipped, o.run.Start
	if o.run.Outcome == OutcomeMissed || o.run.Outcome == OutcomeInterrupted {
		outcome = o.run.Outcome
		if !o.run.End.IsZero() {
			end = o.run.End
		}
	}
	id, err := b.insertRun(o.run, &end, outcome)
	if err != nil {
		return err
	}
	if err := b.insertLogs(id, o.logs); err != nil {
		return err
	}
	if err := b.maybePrune(o.run.Job); err != nil {
		return err
	}
	o.id = id
	return nil
}

// finishRun records the end of a running run, its logs, and prunes its job
// if due. A run that does not exist or is not running is the op's error.
func (b *batchTx) finishRun(o *op) error {
	r := o.run
	var job string
	err := b.stmt(&b.finish, b.s.st.finish).QueryRow(nanos(r.End), r.Outcome, r.Error, o.result,
		r.Calls, encodeCalls(r.CallsByAction), r.Writes, r.ID).Scan(&job)
	if errors.Is(err, sql.ErrNoRows) {
		var outcome Outcome
		err = b.tx.QueryRow(`SELECT outcome FROM runs WHERE id = ?`, r.ID).Scan(&outcome)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			o.err = fmt.Errorf("history: finish run %d: %w", r.ID, ErrNotFound)
			return nil
		case err == nil:
			o.err = fmt.Errorf("history: finish run %d: run is already %s", r.ID, outcome)
			return nil
		}
	}
	if err != nil {
		return err
	}
	if err := b.insertLogs(r.ID, o.logs); err != nil {
		return err
	}
	return b.maybePrune(job)
}

func (b *batchTx) insertLogs(id int64, logs []encodedLine) error {
	if len(logs) == 0 {
		return nil
	}
	st := b.stmt(&b.insertLog, b.s.st.insertLog)
	for i, l := range logs {
		if _, err := st.Exec(id, i, l.timeNS, l.level, l.msg, l.attrs); err != nil {
			return fmt.Errorf("insert log line: %w", err)
		}
	}
	return nil
}

// maybePrune prunes job to the runs of each kind it keeps (Options.KeepOK,
// KeepFailed, KeepSkipped) on every Options.PruneEvery-th call for that job.
func (b *batchTx) maybePrune(job string) error {
	s := b.s
	s.mu.Lock()
	s.pending[job]++
	due := s.pending[job] >= s.opts.PruneEvery
	if due {
		s.pending[job] = 0
	}
	s.mu.Unlock()
	if !due {
		return nil
	}
	for k, keep := range s.opts.keeps() {
		if keep < 0 {
			continue
		}
		if _, err := b.stmt(&b.prune[k], s.st.prune[k]).Exec(job, keep); err != nil {
			return fmt.Errorf("prune %s: %w", job, err)
		}
	}
	return nil
}
