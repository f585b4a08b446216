package history

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Suspend records job as suspended since at (the first time only: a job
// suspended twice keeps its first time).
func (s *Store) Suspend(ctx context.Context, job string, at time.Time) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO suspended_jobs (job, suspended_ns) VALUES (?, ?)
		ON CONFLICT (job) DO NOTHING`, job, at.UnixNano())
	if err != nil {
		return fmt.Errorf("history: suspend %s: %w", job, err)
	}
	return nil
}

// Resume removes the suspension of job; resuming a job that is not
// suspended does nothing.
func (s *Store) Resume(ctx context.Context, job string) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM suspended_jobs WHERE job = ?`, job); err != nil {
		return fmt.Errorf("history: resume %s: %w", job, err)
	}
	return nil
}

// Suspended returns the suspended jobs with the time of their suspension.
// Names of jobs no longer in the configuration are kept: a job removed
// and added back is still suspended.
func (s *Store) Suspended(ctx context.Context) (map[string]time.Time, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT job, suspended_ns FROM suspended_jobs`)
	if err != nil {
		return nil, fmt.Errorf("history: suspended jobs: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var job string
		var ns int64
		if err := rows.Scan(&job, &ns); err != nil {
			return nil, fmt.Errorf("history: suspended jobs: %w", err)
		}
		out[job] = time.Unix(0, ns).UTC()
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: suspended jobs: %w", err)
	}
	return out, nil
}

// LastSuccess returns, per job, the end of its newest run that ended ok
// (among the runs kept).
func (s *Store) LastSuccess(ctx context.Context) (map[string]time.Time, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT job, max(end_ns) FROM runs WHERE outcome = ? GROUP BY job`, OutcomeOK)
	if err != nil {
		return nil, fmt.Errorf("history: last successes: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var job string
		var ns sql.NullInt64
		if err := rows.Scan(&job, &ns); err != nil {
			return nil, fmt.Errorf("history: last successes: %w", err)
		}
		if ns.Valid {
			out[job] = time.Unix(0, ns.Int64).UTC()
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: last successes: %w", err)
	}
	return out, nil
}

// LastOutcomes returns, per job, the outcome of its newest run that ended
// ok or badly (skipped, cancelled and running runs are passed over).
func (s *Store) LastOutcomes(ctx context.Context) (map[string]Outcome, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT job, outcome FROM runs WHERE id IN (
		SELECT max(id) FROM runs WHERE outcome NOT IN (?, ?, ?) GROUP BY job)`,
		OutcomeRunning, OutcomeSkipped, OutcomeCancelled)
	if err != nil {
		return nil, fmt.Errorf("history: last outcomes: %w", err)
	}
	defer rows.Close()
	out := map[string]Outcome{}
	for rows.Next() {
		var job, o string
		if err := rows.Scan(&job, &o); err != nil {
			return nil, fmt.Errorf("history: last outcomes: %w", err)
		}
		out[job] = Outcome(o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: last outcomes: %w", err)
	}
	return out, nil
}

// Page returns up to limit runs of job, newest first, with an id below
// before (0: no bound) and, if outcome is not empty, that outcome; without
// their logs.
func (s *Store) Page(ctx context.Context, job string, outcome Outcome, before int64, limit int) ([]Run, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE job = ? AND id < ?
		AND (? = '' OR outcome = ?) ORDER BY id DESC LIMIT ?`, job, before, string(outcome), string(outcome), limit)
	if err != nil {
		return nil, fmt.Errorf("history: page: %w", err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("history: page: %w", err)
		}
		runs = append(runs, *r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: page: %w", err)
	}
	return runs, nil
}
