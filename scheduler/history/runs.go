package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"
)

// Begin records the start of a run with OutcomeRunning and returns its id.
// r.Job and r.Trigger (TriggerSchedule or TriggerManual) are required; a zero
// r.Start means now and r.Attempt 0 means 1. Outcome, End, counts and logs are
// ignored (see Finish); r.DryRun is recorded here. Begin returns once the run
// is committed (in a batch with other writes, see the package doc): a run
// whose id is known survives a crash of the process, and is then marked
// interrupted by the next Open.
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
	r.Error = ""
	o := &op{kind: opBegin, run: r}
	if err := s.submit(ctx, o); err != nil {
		if o.state.Load() == opTaken {
			return 0, err // already prefixed
		}
		return 0, fmt.Errorf("history: begin %s: %w", r.Job, err)
	}
	return o.id, nil
}

// Finish records the end of the running run r.ID atomically: End (zero
// means now), Outcome (a final outcome, required), Error, Result (valid JSON or
// empty), Calls, CallsByAction, Writes and Logs (capped to Options.MaxLogLines
// and MaxLogBytes with a final "... N lines dropped" marker). It then prunes
// the run's job if due (see the package doc). Finish fails with ErrNotFound if
// the run does not exist and with an error if it is no longer running. It
// returns once the end is committed. Call it with a context that outlives the
// run's own, so cancelled runs are recorded.
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
	r.Error = CutText(r.Error, MaxErrorBytes)
	result, err := encodeResult(cutResult(r.Result, MaxResultBytes))
	if err != nil {
		return fmt.Errorf("history: finish run %d: %w", r.ID, err)
	}
	logs, err := encodeLogs(r.Logs, s.opts.MaxLogLines, s.opts.MaxLogBytes)
	if err != nil {
		return fmt.Errorf("history: finish run %d: %w", r.ID, err)
	}
	r.Logs = nil
	o := &op{kind: opFinish, run: r, result: result, logs: logs}
	if err := s.submit(ctx, o); err != nil {
		if o.state.Load() == opTaken {
			return err
		}
		return fmt.Errorf("history: finish run %d: %w", r.ID, err)
	}
	return nil
}

// Skip records, atomically, a run that did not start (OutcomeSkipped) and
// returns its id. Start and End are r.Start, or now if it is zero; r.Error
// should say why the run was skipped. With r.Outcome OutcomeMissed or
// OutcomeInterrupted it records that outcome instead (a missed tick; a run
// lost by another node of a cluster), with End r.End when set. r.Logs are stored like in Finish. The
// job is pruned if due. Skip returns once the run is committed.
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
	r.Error = CutText(r.Error, MaxErrorBytes)
	logs, err := encodeLogs(r.Logs, s.opts.MaxLogLines, s.opts.MaxLogBytes)
	if err != nil {
		return 0, fmt.Errorf("history: skip %s: %w", r.Job, err)
	}
	r.Logs = nil
	o := &op{kind: opSkip, run: r, logs: logs}
	if err := s.submit(ctx, o); err != nil {
		if o.state.Load() == opTaken {
			return 0, err
		}
		return 0, fmt.Errorf("history: skip %s: %w", r.Job, err)
	}
	return o.id, nil
}

func validateNew(r Run) error {
	if r.Job == "" {
		return errors.New("empty job name")
	}
	if r.Trigger != TriggerSchedule && r.Trigger != TriggerManual && r.Trigger != TriggerEvent {
		return fmt.Errorf("job %s: invalid trigger %q", r.Job, r.Trigger)
	}
	return nil
}

// LastScheduled returns the latest scheduled time recorded for job (its
// runs, skipped and missed ticks), or the zero time if none: the daemon
// catches up from there after a downtime.
func (s *Store) LastScheduled(ctx context.Context, job string) (time.Time, error) {
	if err := s.checkOpen(); err != nil {
		return time.Time{}, err
	}
	var ns sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT MAX(scheduled_ns) FROM runs WHERE job = ? AND trigger = ?`,
		job, TriggerSchedule).Scan(&ns)
	if err != nil {
		return time.Time{}, fmt.Errorf("history: last scheduled time of %s: %w", job, err)
	}
	return fromNanos(ns), nil
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
	runs, _, err := s.ListPage(ctx, Page{Job: job, Limit: limit})
	return runs, err
}

// Page selects a page of runs for ListPage.
type Page struct {
	Job    string // "" = all jobs
	Before int64  // only runs with a smaller id; 0 = from the newest
	Limit  int    // at most this many runs; <= 0 = no limit
	// MaxBytes, when > 0, ends the page before the run that would take its
	// runs' error and result texts (plus a fixed allowance per run) over
	// it; the page has at least one run.
	MaxBytes int
}

// runOverhead is the allowance per run of a page's byte budget, for its
// other fields.
const runOverhead = 512

// ListPage returns the runs of the page p, newest first, without their logs,
// and whether more runs may follow (the page is full or its byte budget was
// reached): the next page is then Before the id of its last run.
func (s *Store) ListPage(ctx context.Context, p Page) ([]Run, bool, error) {
	if err := s.checkOpen(); err != nil {
		return nil, false, err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	before := p.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	var (
		rows *sql.Rows
		err  error
	)
	if p.Job == "" {
		rows, err = s.r.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id < ? ORDER BY id DESC LIMIT ?`, before, limit)
	} else {
		rows, err = s.r.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE job = ? AND id < ? ORDER BY id DESC LIMIT ?`, p.Job, before, limit)
	}
	if err != nil {
		return nil, false, fmt.Errorf("history: list: %w", err)
	}
	defer rows.Close()
	var (
		runs []Run
		size int
	)
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, false, fmt.Errorf("history: list: %w", err)
		}
		n := runOverhead + len(r.Error) + len(r.Result)
		if p.MaxBytes > 0 && len(runs) > 0 && size+n > p.MaxBytes {
			return runs, true, nil
		}
		runs = append(runs, *r)
		size += n
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("history: list: %w", err)
	}
	return runs, p.Limit > 0 && len(runs) == p.Limit, nil
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
		errLen, resultLen         sql.NullInt64
	)
	err := sc.Scan(&r.ID, &r.Job, &trigger, &attempt, &scheduled, &start, &end, &outcome, &errText,
		&result, &calls, &callsByAction, &writes, &r.DryRun, &errLen, &resultLen)
	if err != nil {
		return nil, err
	}
	// Rows written before the caps existed are cut as they are read (the
	// query reads at most the cap of each).
	if int(errLen.Int64) > len(errText) || len(errText) > MaxErrorBytes {
		errText = cutAt(errText, MaxErrorBytes, max(int(errLen.Int64), len(errText)))
	}
	if result.Valid && (int(resultLen.Int64) > len(result.String) || len(result.String) > MaxResultBytes) {
		result.String = string(cutResultAt(result.String, MaxResultBytes, max(int(resultLen.Int64), len(result.String))))
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
