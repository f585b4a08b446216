package history

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// applicationID marks a SQLite file as a soracron state file ("Sorc").
const applicationID = 0x536f7263

// busyTimeoutMS is how long a connection waits for a lock held by another
// connection before failing with SQLITE_BUSY.
const busyTimeoutMS = 5000

// migrations brings the schema from version i to i+1 (PRAGMA user_version).
// Append new migrations; never edit a released one.
//
// Schema (version 1):
//
//	runs(id INTEGER PRIMARY KEY AUTOINCREMENT, job, trigger, attempt,
//	     scheduled_ns, start_ns, end_ns,          -- unix nanos UTC; NULL = zero time
//	     outcome, error, result (JSON text or NULL),
//	     calls, calls_by_action (JSON object or NULL), writes, dry_run)
//	     index runs_job_id(job, id)               -- List/Last by job, pruning
//	run_logs(run_id REFERENCES runs ON DELETE CASCADE, seq, time_ns, level,
//	         msg, attrs (JSON object or NULL), PRIMARY KEY(run_id, seq)) WITHOUT ROWID
//
// Version 2 adds suspended_jobs(job PRIMARY KEY, suspended_ns): the jobs
// suspended through the API (POST /api/jobs/NAME/suspend), until resumed.
//
// AUTOINCREMENT guarantees that the id of a pruned run is never reused.
// Values are validated in Go rather than with CHECK constraints so that new
// outcomes or triggers need no table rebuild.
var migrations = []string{
	// 1: initial schema.
	`CREATE TABLE runs (
		id              INTEGER PRIMARY KEY AUTOINCREMENT,
		job             TEXT    NOT NULL,
		trigger         TEXT    NOT NULL,
		attempt         INTEGER NOT NULL DEFAULT 1,
		scheduled_ns    INTEGER,
		start_ns        INTEGER,
		end_ns          INTEGER,
		outcome         TEXT    NOT NULL,
		error           TEXT    NOT NULL DEFAULT '',
		result          TEXT,
		calls           INTEGER NOT NULL DEFAULT 0,
		calls_by_action TEXT,
		writes          INTEGER NOT NULL DEFAULT 0,
		dry_run         INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX runs_job_id ON runs (job, id);
	CREATE TABLE run_logs (
		run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
		seq     INTEGER NOT NULL,
		time_ns INTEGER,
		level   TEXT    NOT NULL,
		msg     TEXT    NOT NULL,
		attrs   TEXT,
		PRIMARY KEY (run_id, seq)
	) WITHOUT ROWID;`,
	// 2: jobs suspended through the API.
	`CREATE TABLE suspended_jobs (
		job          TEXT    NOT NULL PRIMARY KEY,
		suspended_ns INTEGER NOT NULL
	) WITHOUT ROWID;`,
}

// openDB opens a connection pool on path. The writer pool takes the write lock
// at BEGIN (_txlock=immediate) so a transaction never fails half-way upgrading
// its lock; reader pools are query_only. WAL mode is persistent in the file and
// is set by Open once the file is known to be ours.
func openDB(path string, readOnly bool) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("history: state path: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Set("_query_only", "1")
	} else {
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	if u.Path[0] != '/' { // Windows: file:///C:/...
		u.Path = "/" + u.Path
	}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("history: open %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("history: open %s: %w", path, err)
	}
	return db, nil
}

// migrate applies the pending migrations in one transaction.
func migrate(db *sql.DB) error {
	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var version, appID, tables int
	if err := tx.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if err := tx.QueryRow(`PRAGMA application_id`).Scan(&appID); err != nil {
		return fmt.Errorf("read application id: %w", err)
	}
	if err := tx.QueryRow(`SELECT count(*) FROM sqlite_schema`).Scan(&tables); err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	switch {
	case appID == 0 && version == 0 && tables > 0, appID != 0 && appID != applicationID:
		return errors.New("not a soracron state file")
	case version > len(migrations):
		return fmt.Errorf("schema version %d is newer than this soracron supports (%d)", version, len(migrations))
	case version == len(migrations):
		return nil
	}
	for v := version; v < len(migrations); v++ {
		if _, err := tx.Exec(migrations[v]); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	// PRAGMA arguments cannot be bound; both values are integers we control.
	if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations))); err != nil {
		return fmt.Errorf("set schema version: %w", err)
	}
	if _, err := tx.Exec(fmt.Sprintf(`PRAGMA application_id = %d`, applicationID)); err != nil {
		return fmt.Errorf("set application id: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// stmts are the prepared statements of the hot paths.
type stmts struct {
	insert    *sql.Stmt           // writer: a new run (Begin, Skip)
	finish    *sql.Stmt           // writer: final state of a running run
	insertLog *sql.Stmt           // writer: one log line
	prune     [numKinds]*sql.Stmt // writer: prune one kind of runs of one job
	get       *sql.Stmt           // reader: one run
	logs      *sql.Stmt           // reader: the log lines of a run
	last      *sql.Stmt           // reader: newest non-skipped run of a job
}

// The error and the result are read up to their caps (plus a margin for a
// UTF-8 boundary), with their full lengths: see scanRun.
const runColumns = `id, job, trigger, attempt, scheduled_ns, start_ns, end_ns, outcome,
	ifnull(CAST(substr(CAST(error AS BLOB), 1, 65540) AS TEXT), ''), CAST(substr(CAST(result AS BLOB), 1, 65540) AS TEXT),
	calls, calls_by_action, writes, dry_run, length(CAST(error AS BLOB)), length(CAST(result AS BLOB))`

func (s *Store) prepare() error {
	for _, p := range []struct {
		db  *sql.DB
		dst **sql.Stmt
		sql string
	}{
		{s.w, &s.st.insert, `INSERT INTO runs (job, trigger, attempt, scheduled_ns, start_ns, end_ns,
			outcome, error, result, calls, calls_by_action, writes, dry_run)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{s.w, &s.st.finish, `UPDATE runs SET end_ns = ?, outcome = ?, error = ?, result = ?,
			calls = ?, calls_by_action = ?, writes = ?
			WHERE id = ? AND outcome = 'running' RETURNING job`},
		{s.w, &s.st.insertLog, `INSERT INTO run_logs (run_id, seq, time_ns, level, msg, attrs)
			VALUES (?, ?, ?, ?, ?, ?)`},
		// Keep the newest ?2 runs of a kind of job ?1: find the id of the
		// ?2-th newest one by a scan of the (job, id) index, then delete the
		// older ones of that kind (only PruneEvery rows at steady state).
		{s.w, &s.st.prune[kindOK], pruneSQL(kindOK)},
		{s.w, &s.st.prune[kindFailed], pruneSQL(kindFailed)},
		{s.w, &s.st.prune[kindSkipped], pruneSQL(kindSkipped)},
		{s.r, &s.st.get, `SELECT ` + runColumns + ` FROM runs WHERE id = ?`},
		{s.r, &s.st.logs, `SELECT time_ns, level, msg, attrs FROM run_logs WHERE run_id = ? ORDER BY seq`},
		{s.r, &s.st.last, `SELECT ` + runColumns + ` FROM runs WHERE job = ? AND outcome <> 'skipped'
			ORDER BY id DESC LIMIT 1`},
	} {
		st, err := p.db.Prepare(p.sql)
		if err != nil {
			return fmt.Errorf("history: prepare: %w", err)
		}
		*p.dst = st
	}
	return nil
}

func (st *stmts) close() error {
	var errs []error
	for _, p := range []*sql.Stmt{st.insert, st.finish, st.insertLog, st.prune[kindOK], st.prune[kindFailed],
		st.prune[kindSkipped], st.get, st.logs, st.last} {
		if p != nil {
			errs = append(errs, p.Close())
		}
	}
	return errors.Join(errs...)
}
