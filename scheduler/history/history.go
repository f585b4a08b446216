package history

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Default limits applied when the corresponding Options field is zero.
const (
	DefaultKeep        = 100
	DefaultKeepSkipped = 20
	DefaultMaxLogLines = 1000
	DefaultMaxLogBytes = 256 << 10
	DefaultMaxBatch    = 256
)

// Errors returned by the store; match them with errors.Is.
var (
	// ErrNotFound is returned when a run id does not exist (or was pruned).
	ErrNotFound = errors.New("run not found")
	// ErrLocked is returned by Open when another process holds the state lock.
	ErrLocked = errors.New("state is locked")
	// ErrClosed is returned by calls on a closed Store.
	ErrClosed = errors.New("history store is closed")
)

// interruptedError is the error text of runs found running at Open.
const interruptedError = "process exited during the run"

// Outcome is the state of a run.
type Outcome string

// Run outcomes. OutcomeRunning is the only non-final one.
const (
	OutcomeRunning     Outcome = "running"     // started, not finished yet
	OutcomeOK          Outcome = "ok"          // the script returned normally
	OutcomePartial     Outcome = "partial"     // the script returned, but Sora writes failed after retries
	OutcomeFailed      Outcome = "failed"      // the script raised an error
	OutcomeTimeout     Outcome = "timeout"     // the run exceeded its timeout
	OutcomeCancelled   Outcome = "cancelled"   // the run was cancelled (e.g. shutdown)
	OutcomeSkipped     Outcome = "skipped"     // the run did not start (e.g. overlap policy)
	OutcomeInterrupted Outcome = "interrupted" // the process died (or lost its cluster session) while the run was running
	OutcomeMissed      Outcome = "missed"      // a scheduled time nobody could start in time (starting_deadline, catch_up)
)

// Valid reports whether o is one of the known outcomes.
func (o Outcome) Valid() bool {
	switch o {
	case OutcomeRunning, OutcomeOK, OutcomePartial, OutcomeFailed, OutcomeTimeout, OutcomeCancelled,
		OutcomeSkipped, OutcomeInterrupted, OutcomeMissed:
		return true
	}
	return false
}

// Triggers of a run (Run.Trigger).
const (
	TriggerSchedule = "schedule" // started by the job's schedule
	TriggerManual   = "manual"   // started on request (API, CLI)
	TriggerEvent    = "event"    // started by an event of Sora's event webhook
)

// Run is one run of a job.
type Run struct {
	ID            int64           // assigned by Begin/Skip
	Job           string          // job name
	Trigger       string          // TriggerSchedule, TriggerManual or TriggerEvent
	Attempt       int             // 1 for the first attempt; 0 is stored as 1
	Scheduled     time.Time       // the schedule time that fired the run; zero for manual runs
	Start, End    time.Time       // End is zero while running
	Outcome       Outcome         // OutcomeRunning until finished
	Error         string          // error text of a failed run (callers must redact secrets)
	Result        json.RawMessage // the script's return value as JSON; nil if none
	Calls         int             // Sora API calls made
	CallsByAction map[string]int  // calls per action ("put_item", ...); nil if none
	Writes        int             // writes made (or planned in a dry run)
	DryRun        bool            // the run was a dry run
	Logs          []LogLine       // captured log lines; only filled by Get
}

// Options configures a Store. The zero value uses the defaults.
type Options struct {
	// Keep is the default of KeepOK and KeepFailed, and the most
	// KeepSkipped defaults to (the newest runs; see the package doc); 0 =
	// DefaultKeep, negative = keep all.
	Keep int
	// KeepOK, KeepFailed and KeepSkipped are how many runs of each kind to
	// keep per job: ended ok; ended partial, failed, timeout, cancelled or
	// interrupted; skipped. 0 = Keep (KeepSkipped: DefaultKeepSkipped, at
	// most Keep), negative = keep all.
	KeepOK, KeepFailed, KeepSkipped int
	// MaxLogLines caps the log lines stored per run (plus one final
	// "... N lines dropped" marker); 0 = DefaultMaxLogLines, negative = no cap.
	MaxLogLines int
	// MaxLogBytes caps the bytes of log lines stored per run (level + message +
	// JSON attrs per line); 0 = DefaultMaxLogBytes, negative = no cap.
	MaxLogBytes int
	// PruneEvery prunes a job on every PruneEvery-th Finish/Skip of that job;
	// 0 = max(1, Keep/10) (so at most 10% extra rows), 1 = prune on every finish.
	PruneEvery int
	// Now is the clock; nil = time.Now.
	Now func() time.Time
	// MaxBatch caps the writes (Begin, Finish, Skip) committed in one
	// transaction; 0 = DefaultMaxBatch, 1 = one transaction per write.
	MaxBatch int
	// CommitDelay is how long the writer waits, once a write is queued, for
	// more writes to commit with it (unless MaxBatch are queued first); 0 =
	// no wait: the writes queued while a transaction is written go in the
	// next one.
	CommitDelay time.Duration
}

func (o Options) normalized() Options {
	if o.Keep == 0 {
		o.Keep = DefaultKeep
	}
	if o.MaxLogLines == 0 {
		o.MaxLogLines = DefaultMaxLogLines
	}
	if o.MaxLogBytes == 0 {
		o.MaxLogBytes = DefaultMaxLogBytes
	}
	if o.KeepOK == 0 {
		o.KeepOK = o.Keep
	}
	if o.KeepFailed == 0 {
		o.KeepFailed = o.Keep
	}
	if o.KeepSkipped == 0 {
		o.KeepSkipped = DefaultKeepSkipped
		if o.Keep >= 0 {
			o.KeepSkipped = min(o.KeepSkipped, o.Keep)
		}
	}
	if o.PruneEvery <= 0 {
		least := o.Keep
		for _, k := range o.keeps() {
			if k > 0 && (least <= 0 || k < least) {
				least = k
			}
		}
		o.PruneEvery = max(1, least/10)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	return o
}

// Store is an open run-history database. It is safe for concurrent use.
type Store struct {
	path        string
	opts        Options
	lock        *stateLock
	w           *sql.DB // the single writer connection
	r           *sql.DB // read-only connections (WAL readers do not block the writer)
	st          stmts
	interrupted int

	wake       chan struct{} // nudges the writer goroutine
	writerDone chan struct{} // closed when the writer goroutine has ended

	mu      sync.Mutex
	pending map[string]int // per job: finishes since its last prune
	queue   []*op          // writes waiting for the writer
	closed  bool
}

// Open opens (creating if needed) the history database at path, takes the
// single-instance lock PATH.lock, migrates the schema, marks runs left running
// by a dead process as interrupted (see Interrupted) and prunes every job to
// Options.Keep runs. If another process holds the lock, Open fails at once with a
// *LockedError matching ErrLocked.
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("history: empty state path")
	}
	opts = opts.normalized()
	lk, err := acquireLock(path)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, opts: opts, lock: lk, pending: make(map[string]int)}
	if err := s.open(); err != nil {
		_ = s.closeDB()
		_ = lk.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) open() error {
	var err error
	if s.w, err = openDB(s.path, false); err != nil {
		return err
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := migrate(s.w); err != nil {
		return fmt.Errorf("history: %s: %w", s.path, err)
	}
	var mode string
	if err := s.w.QueryRow(`PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
		return fmt.Errorf("history: %s: enable WAL mode: %w", s.path, err)
	}
	if mode != "wal" {
		return fmt.Errorf("history: %s: cannot enable WAL mode (journal mode is %s)", s.path, mode)
	}
	if s.interrupted, err = s.markInterrupted(); err != nil {
		return err
	}
	if err := s.pruneAll(); err != nil {
		return err
	}
	if s.r, err = openDB(s.path, true); err != nil {
		return err
	}
	s.r.SetMaxOpenConns(4)
	s.r.SetMaxIdleConns(4)
	if err := s.prepare(); err != nil {
		return err
	}
	s.wake = make(chan struct{}, 1)
	s.writerDone = make(chan struct{})
	go s.writeLoop()
	return nil
}

// Interrupted returns how many runs Open found still running (left by a
// process that died) and marked OutcomeInterrupted.
func (s *Store) Interrupted() int { return s.interrupted }

// Close commits the writes already queued, closes the database and releases
// the lock. Calls after Close fail with ErrClosed; Close itself is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	if s.writerDone != nil {
		s.wakeWriter()
		<-s.writerDone
	}
	err := s.closeDB()
	if uerr := s.lock.Close(); uerr != nil && err == nil {
		err = fmt.Errorf("history: unlock: %w", uerr)
	}
	return err
}

func (s *Store) closeDB() error {
	var errs []error
	errs = append(errs, s.st.close())
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("history: close: %w", err)
	}
	return nil
}

func (s *Store) checkOpen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return nil
}

// markInterrupted finishes every run left in OutcomeRunning.
func (s *Store) markInterrupted() (int, error) {
	// The end of an interrupted run is the last time the dead process is
	// known to have been alive: the latest start or end it recorded (the
	// run's own start at least), never the restart time.
	res, err := s.w.Exec(`UPDATE runs SET outcome = ?1, error = ?2,
		end_ns = min(?3, max(ifnull(start_ns, 0), (SELECT max(max(ifnull(start_ns, 0), ifnull(end_ns, 0))) FROM runs)))
		WHERE outcome = ?4`,
		OutcomeInterrupted, interruptedError, s.opts.Now().UnixNano(), OutcomeRunning)
	if err != nil {
		return 0, fmt.Errorf("history: mark interrupted runs: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("history: mark interrupted runs: %w", err)
	}
	return int(n), nil
}

// pruneAll prunes every job to exactly the runs of each kind it keeps.
func (s *Store) pruneAll() error {
	for k, keep := range s.opts.keeps() {
		if keep < 0 {
			continue
		}
		_, err := s.w.Exec(`DELETE FROM runs WHERE id IN (
			SELECT id FROM (
				SELECT id, row_number() OVER (PARTITION BY job ORDER BY id DESC) AS n FROM runs WHERE `+kindSQL[k]+`)
			WHERE n > ?)`, keep)
		if err != nil {
			return fmt.Errorf("history: prune: %w", err)
		}
	}
	return nil
}

// Kinds of runs kept apart by the pruning.
const (
	kindOK = iota
	kindFailed
	kindSkipped
	numKinds
)

// kindSQL are the conditions on outcome of each kind (never a running run).
var kindSQL = [numKinds]string{
	kindOK:      `outcome = 'ok'`,
	kindFailed:  `outcome NOT IN ('ok', 'skipped', 'running')`,
	kindSkipped: `outcome = 'skipped'`,
}

// pruneSQL is the statement that keeps the newest ?2 runs of kind k of job
// ?1.
func pruneSQL(k int) string {
	return `DELETE FROM runs WHERE job = ?1 AND ` + kindSQL[k] + ` AND id < (
			SELECT id FROM runs WHERE job = ?1 AND ` + kindSQL[k] + ` ORDER BY id DESC LIMIT 1 OFFSET ?2 - 1)`
}

// keeps returns the limits of each kind, indexed by kind.
func (o Options) keeps() [numKinds]int {
	return [numKinds]int{kindOK: o.KeepOK, kindFailed: o.KeepFailed, kindSkipped: o.KeepSkipped}
}
