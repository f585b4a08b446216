package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Begin records the start of a run with OutcomeRunning and returns its id.
// r.Job and r.Trigger (TriggerSchedule or TriggerManual) are required; a zero
// r.Start means now and r.Attempt 0 means 1. Outcome, End, counts and logs are
// ignored (see Finish); r.DryRun is recorded here.
func (s *Store) Begin(ctx context.Context, r Run) (int64, error) {
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	if err := validateNew(r); err != nil {
		return 0, fmt.Errorf("history: begin: %w", err)
	}
	if r.Start.IsZero() {
		r.Start = s.opts.Now()
	}
	res, err := s.st.insert.ExecContext(ctx, r.Job, r.Trigger, max(r.Attempt, 1), nanos(r.Scheduled),
		nanos(r.Start), nil, OutcomeRunning, "", nil, 0, nil, 0, r.DryRun)
	if err != nil {
		return 0, fmt.Errorf("history: begin %s: %w", r.Job, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("history: begin %s: %w", r.Job, err)
	}
	return id, nil
}

// Finish records the end of the running run r.ID in one transaction: End (zero
// means now), Outcome (a final outcome, required), Error, Result (valid JSON or
// empty), Calls, CallsByAction, Writes and Logs (capped to Options.MaxLogLines
// and MaxLogBytes with a final "... N lines dropped" marker). It then prunes
// the run's job if due (see the package doc). Finish fails with ErrNotFound if
// the run does not exist and with an error if it is no longer running. Call it
// with a context that outlives the run's own, so cancelled runs are recorded.
func (s *Store) Finish(ctx context.Context, r Run) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if r.ID <= 0 {
		return fmt.Errorf("history: finish: invalid run id %d", r.ID)
	}
	if !r.Outcome.Valid() || r.Outcome == OutcomeRunning {
		return fmt.Errorf("history: finish run %d: invalid outcome %q", r.ID, r.Outcome)
	}
	if r.End.IsZero() {
		r.End = s.opts.Now()
	}
	result, err := encodeResult(r.Result)
	if err != nil {
		return fmt.Errorf("history: finish run %d: %w", r.ID, err)
	}
	logs, err := encodeLogs(r.Logs, s.opts.MaxLogLines, s.opts.MaxLogBytes)
	if err != nil {
		return fmt.Errorf("history: finish run %d: %w", r.ID, err)
	}

	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: finish run %d: %w", r.ID, err)
	}
	defer func() { _ = tx.Rollback() }()
	var job string
	err = tx.StmtContext(ctx, s.st.finish).QueryRowContext(ctx, nanos(r.End), r.Outcome, r.Error, result,
		r.Calls, encodeCalls(r.CallsByAction), r.Writes, r.ID).Scan(&job)
	if errors.Is(err, sql.ErrNoRows) {
		var outcome Outcome
		err = tx.QueryRowContext(ctx, `SELECT outcome FROM runs WHERE id = ?`, r.ID).Scan(&outcome)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("history: finish run %d: %w", r.ID, ErrNotFound)
		}
		if err == nil {
			return fmt.Errorf("history: finish run %d: run is already %s", r.ID, outcome)
		}
	}
	if err != nil {
		return fmt.Errorf("history: finish run %d: %w", r.ID, err)
	}
	if err := s.insertLogs(ctx, tx, r.ID, logs); err != nil {
		return fmt.Errorf("history: finish run %d: %w", r.ID, err)
	}
	if err := s.maybePrune(ctx, tx, job); err != nil {
		return fmt.Errorf("history: finish run %d: %w", r.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: finish run %d: %w", r.ID, err)
	}
	return nil
}

// Skip records, in one transaction, a run that did not start (OutcomeSkipped)
// and returns its id. Start and End are r.Start, or now if it is zero; r.Error
// should say why the run was skipped. r.Logs are stored like in Finish. The
// job is pruned if due.
func (s *Store) Skip(ctx context.Context, r Run) (int64, error) {
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	if err := validateNew(r); err != nil {
		return 0, fmt.Errorf("history: skip: %w", err)
	}
	if r.Start.IsZero() {
		r.Start = s.opts.Now()
	}
	logs, err := encodeLogs(r.Logs, s.opts.MaxLogLines, s.opts.MaxLogBytes)
	if err != nil {
		return 0, fmt.Errorf("history: skip %s: %w", r.Job, err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("history: skip %s: %w", r.Job, err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.StmtContext(ctx, s.st.insert).ExecContext(ctx, r.Job, r.Trigger, max(r.Attempt, 1),
		nanos(r.Scheduled), nanos(r.Start), nanos(r.Start), OutcomeSkipped, r.Error, nil, 0, nil, 0, r.DryRun)
	if err != nil {
		return 0, fmt.Errorf("history: skip %s: %w", r.Job, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("history: skip %s: %w", r.Job, err)
	}
	if err := s.insertLogs(ctx, tx, id, logs); err != nil {
		return 0, fmt.Errorf("history: skip %s: %w", r.Job, err)
	}
	if err := s.maybePrune(ctx, tx, r.Job); err != nil {
		return 0, fmt.Errorf("history: skip %s: %w", r.Job, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("history: skip %s: %w", r.Job, err)
	}
	return id, nil
}

func validateNew(r Run) error {
	if r.Job == "" {
		return errors.New("empty job name")
	}
	if r.Trigger != TriggerSchedule && r.Trigger != TriggerManual {
		return fmt.Errorf("job %s: invalid trigger %q", r.Job, r.Trigger)
	}
	return nil
}

func (s *Store) insertLogs(ctx context.Context, tx *sql.Tx, id int64, logs []encodedLine) error {
	if len(logs) == 0 {
		return nil
	}
	st := tx.StmtContext(ctx, s.st.insertLog)
	for i, l := range logs {
		if _, err := st.ExecContext(ctx, id, i, l.timeNS, l.level, l.msg, l.attrs); err != nil {
			return fmt.Errorf("insert log line: %w", err)
		}
	}
	return nil
}

// maybePrune prunes job to Options.Keep runs on every
// Options.PruneEvery-th call for that job.
func (s *Store) maybePrune(ctx context.Context, tx *sql.Tx, job string) error {
	if s.opts.Keep < 0 {
		return nil
	}
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
	if _, err := tx.StmtContext(ctx, s.st.prune).ExecContext(ctx, job, s.opts.Keep); err != nil {
		return fmt.Errorf("prune %s: %w", job, err)
	}
	return nil
}

// Get returns the run id with its log lines, or an error matching ErrNotFound.
func (s *Store) Get(ctx context.Context, id int64) (*Run, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	// One read transaction: the run and its logs come from the same snapshot.
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("history: get run %d: %w", id, err)
	}
	defer func() { _ = tx.Rollback() }()
	r, err := scanRun(tx.StmtContext(ctx, s.st.get).QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("history: get run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("history: get run %d: %w", id, err)
	}
	rows, err := tx.StmtContext(ctx, s.st.logs).QueryContext(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("history: get run %d logs: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			timeNS     sql.NullInt64
			level, msg string
			attrs      sql.NullString
		)
		if err := rows.Scan(&timeNS, &level, &msg, &attrs); err != nil {
			return nil, fmt.Errorf("history: get run %d logs: %w", id, err)
		}
		l, err := decodeLogLine(timeNS, level, msg, attrs)
		if err != nil {
			return nil, fmt.Errorf("history: get run %d: %w", id, err)
		}
		r.Logs = append(r.Logs, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: get run %d logs: %w", id, err)
	}
	return r, nil
}

// List returns up to limit runs of job ("" = all jobs), newest first, without
// their logs. limit <= 0 means no limit.
func (s *Store) List(ctx context.Context, job string, limit int) ([]Run, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	var (
		rows *sql.Rows
		err  error
	)
	if job == "" {
		rows, err = s.r.QueryContext(ctx, `SELECT `+runColumns+` FROM runs ORDER BY id DESC LIMIT ?`, limit)
	} else {
		rows, err = s.r.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE job = ? ORDER BY id DESC LIMIT ?`, job, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("history: list: %w", err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("history: list: %w", err)
		}
		runs = append(runs, *r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: list: %w", err)
	}
	return runs, nil
}

// Last returns the newest run of job that actually started (running or
// finished with any outcome but OutcomeSkipped), without logs, or nil if
// there is none. Use List(ctx, job, 1) to include skipped runs.
func (s *Store) Last(ctx context.Context, job string) (*Run, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	r, err := scanRun(s.st.last.QueryRowContext(ctx, job))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("history: last run of %s: %w", job, err)
	}
	return r, nil
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanRun reads the runColumns of one row.
func scanRun(sc scanner) (*Run, error) {
	var (
		r                         Run
		scheduled, start, end     sql.NullInt64
		result, callsByAction     sql.NullString
		attempt, calls, writes    int
		outcome, errText, trigger string
	)
	err := sc.Scan(&r.ID, &r.Job, &trigger, &attempt, &scheduled, &start, &end, &outcome, &errText,
		&result, &calls, &callsByAction, &writes, &r.DryRun)
	if err != nil {
		return nil, err
	}
	r.Trigger, r.Attempt, r.Outcome, r.Error = trigger, attempt, Outcome(outcome), errText
	r.Scheduled, r.Start, r.End = fromNanos(scheduled), fromNanos(start), fromNanos(end)
	r.Calls, r.Writes = calls, writes
	if result.Valid {
		r.Result = []byte(result.String)
	}
	if r.CallsByAction, err = decodeCalls(callsByAction); err != nil {
		return nil, fmt.Errorf("run %d: %w", r.ID, err)
	}
	return &r, nil
}
