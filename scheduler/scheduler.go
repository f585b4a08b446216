package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/attempt"
	"github.com/soracron/soracron/scheduler/burst"
	"github.com/soracron/soracron/scheduler/catchup"
	"github.com/soracron/soracron/scheduler/clock"
	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/clusterrun"
	"github.com/soracron/soracron/scheduler/compile"
	"github.com/soracron/soracron/scheduler/eventq"
	"github.com/soracron/soracron/scheduler/fanout"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/metrics"
	"github.com/soracron/soracron/scheduler/notify"
	"github.com/soracron/soracron/scheduler/redact"
	"github.com/soracron/soracron/scheduler/runlog"
	"github.com/soracron/soracron/scheduler/suspension"
)

// DefaultShutdownTimeout is the default of Options.ShutdownTimeout.
const DefaultShutdownTimeout = 30 * time.Second

const (
	// defaultMissedGrace is the default of Options.MissedGrace.
	defaultMissedGrace = time.Minute
	// maxWait bounds each sleep of the schedule loop, so that jumps of the
	// wall clock (suspend, NTP steps) are noticed within that time.
	maxWait = 30 * time.Second
	// cancelGrace is how long (in real time) shutdown waits for cancelled
	// runs to stop, and a new run for the run it replaces.
	cancelGrace = 10 * time.Second
)

// Causes of cancelled runs, recorded as their error.
var (
	errReplaced = errors.New("replaced by a newer run (concurrency_policy: replace)")
	errShutdown = errors.New("daemon shutting down (shutdown timeout reached)")
)

// Runner runs one script; *engine.Engine is the real one. Run must return a
// non-nil Result, even with an error.
type Runner = attempt.Runner

// Options configure a Scheduler.
type Options struct {
	// Config is the initial configuration (required).
	Config *jobs.Config
	// Runner runs the scripts (required). When it is a compile.Loader or
	// compile.Compiler (*engine.Engine is both), New and Reload compile
	// every script of the configuration with it first (package compile).
	Runner Runner
	// History records the runs (required). The Scheduler does not close it.
	History *history.Store
	// Logger receives the daemon's logs; runs log through children of it
	// with the attributes job and run_id. nil discards the logs.
	Logger *slog.Logger
	// CaptureLevel is the lowest level of the log lines stored with each
	// run in the history; slog.LevelInfo when nil.
	CaptureLevel slog.Leveler
	// Clock is the time source; the system clock when nil.
	Clock clock.Clock
	// Metrics receive the daemon's metrics; metrics.New() when nil.
	Metrics *metrics.Metrics
	// ShutdownTimeout is how long Run waits, once its context is done, for
	// the runs in progress before cancelling them; DefaultShutdownTimeout
	// when zero.
	ShutdownTimeout time.Duration
	// Notify tunes the delivery of the notify section's webhooks.
	Notify NotifyOptions
	// MissedGrace is how late a scheduled run may start before the daemon
	// warns that runs were missed (after a suspend, say). Missed runs are
	// never caught up: a job runs once, then follows its schedule.
	// One minute when zero.
	MissedGrace time.Duration
	// Cluster, when set, runs the daemon as a replica of a cluster (see
	// package cluster): each tick and manual run is claimed first. New
	// starts its session (Start) with the scheduler's hooks. The
	// Scheduler does not close it.
	Cluster *cluster.Cluster
}

// Scheduler is the cron daemon: it starts the runs of the jobs of a
// Config when they are due, applies their concurrency policies, timeouts
// and retries, and records every run in the history.
//
// Many runs may be due at the same instant (a thousand jobs on
// "@every 1s"). Their scripts start first: the history writes and the
// bookkeeping of the runs wait until they have (burst.Gate), the
// sandboxes of the runs are built ahead while the daemon is idle when the
// Runner is a Prewarmer, and the garbage of a burst is collected while
// idle too (burst.Loop).
type Scheduler struct {
	runner   Runner
	store    *history.Store
	clock    clock.Clock
	metrics  *metrics.Metrics
	log      *slog.Logger
	redact   *redact.Redactor
	capture  slog.Leveler
	shutdown time.Duration
	grace    time.Duration
	cl       *cluster.Cluster // nil: single node
	claimMu  sync.Mutex       // serializes the claims of due ticks
	takeMu   sync.Mutex       // serializes the take-overs of due ticks

	// runsCtx is the parent of every run's context; cancelling it cancels
	// every run (with a cause).
	runsCtx    context.Context
	cancelRuns context.CancelCauseFunc
	wg         sync.WaitGroup // chains in progress and pending skip records
	gate       *burst.Gate    // holds history writes back while runs start
	prewarm    *burst.Loop    // builds sandboxes ahead (when the Runner is a Prewarmer)
	wake       chan struct{}  // nudges the schedule loop after a Reload
	stop       chan struct{}  // closed when shutdown begins

	changes  fanout.Hub[fanout.Change] // subscribers of Subscribe
	live     runlog.Live               // log buffers of the running runs
	notifier *notify.Notifier
	susp     *suspension.Keeper // stores the suspensions, orders their changes

	mu        sync.Mutex
	suspended map[string]time.Time // suspended jobs (by the API) and since when
	early     clusterrun.Pending   // cluster mode: early claims of next ticks, by job
	cfg       *jobs.Config
	jobs      map[string]*jobState // current jobs, and removed ones still running
	started   bool
	stopping  bool
	active    int // chains in progress

	events *eventq.Queue // Sora's events waiting for their runs
}

// jobState is the scheduler's state of one job name.
type jobState struct {
	name string
	job  *jobs.Job // current configuration; nil once removed
	// script is job's script as compiled by the last successful load or
	// reload (nil when the Runner is no compile.Loader): what its runs execute.
	script  *engine.Script
	next    time.Time
	running map[*chain]struct{}
	// prev is the tick dispatched last, claiming how many of its ticks
	// are being claimed (cluster mode: see earlyLocked).
	prev     time.Time
	claiming int
	// last is the newest run that started; lastLoaded says whether it was
	// read from the history (or set by a run since).
	last       *history.Run
	lastLoaded bool
	// bad is true when its newest run ended badly (see notify.Bad): the
	// next ok run is a recovery.
	bad bool
	// lastOK is the end of its newest run that ended ok.
	lastOK time.Time
	// metrics are the job's run metrics, made at its first successful run.
	metrics metrics.JobRuns
}

// New returns a Scheduler of opts.Config. It compiles every script when
// the Runner can (compile.All).
func New(opts Options) (*Scheduler, error) {
	if opts.Config == nil || opts.Runner == nil || opts.History == nil {
		return nil, errors.New("scheduler: Config, Runner and History are required")
	}
	scripts, err := compile.All(opts.Runner, opts.Config)
	if err != nil {
		return nil, err
	}
	s := &Scheduler{
		runner:   opts.Runner,
		store:    opts.History,
		clock:    opts.Clock,
		metrics:  opts.Metrics,
		capture:  opts.CaptureLevel,
		shutdown: opts.ShutdownTimeout,
		grace:    opts.MissedGrace,
		cl:       opts.Cluster,
		gate:     burst.NewGate(),
		wake:     make(chan struct{}, 1),
		stop:     make(chan struct{}),

		jobs:  make(map[string]*jobState),
		early: clusterrun.Pending{},
	}
	if s.clock == nil {
		s.clock = clock.System{}
	}
	s.events = newEventQueue(s)
	s.susp = newKeeper(s)
	s.prewarm = burst.NewLoop(s.gate, s.dueSoon, s.clock.Now, s.stop)
	if s.metrics == nil {
		s.metrics = metrics.New()
	}
	if s.capture == nil {
		s.capture = slog.LevelInfo
	}
	if s.shutdown <= 0 {
		s.shutdown = DefaultShutdownTimeout
	}
	if s.grace <= 0 {
		s.grace = defaultMissedGrace
	}
	s.redact = redact.New(opts.Config.Sora.SecretValues)
	base := opts.Logger
	if base == nil {
		base = slog.New(slog.DiscardHandler)
	}
	s.log = slog.New(s.redact.Handler(base.Handler()))
	s.runsCtx, s.cancelRuns = context.WithCancelCause(context.Background())
	if err := s.loadSuspended(); err != nil {
		return nil, err
	}
	s.apply(opts.Config, scripts, s.clock.Now())
	if err := s.loadLastSuccess(); err != nil {
		return nil, err
	}
	if err := s.loadLastOutcomes(); err != nil {
		return nil, err
	}
	s.notifier = newNotifier(s, opts.Notify)
	if err := s.metrics.RegisterJobs(s.jobSamples); err != nil {
		return nil, fmt.Errorf("scheduler: metrics: %w", err)
	}
	if s.cl != nil {
		s.cl.Start(s.clusterHooks())
	}
	return s, nil
}

// Metrics returns the daemon's metrics.
func (s *Scheduler) Metrics() *metrics.Metrics { return s.metrics }

// config returns the configuration in use.
func (s *Scheduler) config() *jobs.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// Reload replaces the configuration, atomically: after compiling every
// script, new jobs are scheduled, removed ones are no longer started and
// changed ones take their new settings (a job whose schedule, time zone or
// enabled flag changed is rescheduled from now). Runs in progress are not
// disturbed. On error (a script that does not compile) the configuration
// in use is kept. Changes of the sora and history sections take effect at
// the next start of the daemon only; Reload logs a warning about them.
// Changes of the cluster section are not applied at all: the daemon keeps
// the section it started with (its etcd session, prefix and node name
// stay), and Reload logs an error naming the changed keys.
func (s *Scheduler) Reload(cfg *jobs.Config) error {
	if cfg == nil {
		return errors.New("scheduler: reload: nil configuration")
	}
	scripts, err := compile.All(s.runner, cfg)
	if err != nil {
		s.metrics.ObserveReload(false)
		return err
	}
	s.mu.Lock()
	old := s.cfg
	clusterChanged := old.Cluster.ChangedKeys(cfg.Cluster)
	if len(clusterChanged) > 0 {
		// The daemon keeps the cluster settings it started with.
		kept := *cfg
		kept.Cluster = old.Cluster
		cfg = &kept
	}
	added, removed, changed := s.apply(cfg, scripts, s.clock.Now())
	s.mu.Unlock()
	s.metrics.ObserveReload(true)
	if !reflect.DeepEqual(old.Sora, cfg.Sora) {
		s.log.Warn("the sora section changed; it takes effect when the daemon restarts", slog.String(keyFile, cfg.Path))
	}
	if len(clusterChanged) > 0 {
		s.log.Error("the cluster section changed: not applied until the daemon restarts (a replica keeps its etcd "+
			"endpoints, TLS, credentials, prefix, session and node name; a single node stays single); the rest of the "+
			"file is applied",
			slog.String(keyFile, cfg.Path), slog.Any(keyChanged, clusterChanged))
	}
	if old.HistoryKeep != cfg.HistoryKeep || old.HistoryKeepOK != cfg.HistoryKeepOK ||
		old.HistoryKeepFailed != cfg.HistoryKeepFailed || old.HistoryKeepSkipped != cfg.HistoryKeepSkipped {
		s.log.Warn("history limits changed; they take effect when the daemon restarts", slog.String(keyFile, cfg.Path))
	}
	s.log.Info("configuration reloaded", slog.String(keyFile, cfg.Path), slog.Int(keyJobs, len(cfg.Jobs)),
		slog.Any(keyAdded, added), slog.Any(keyRemoved, removed), slog.Any(keyChanged, changed))
	s.nudge()
	s.prewarm.Kick(0)
	s.publish(fanout.Change{Kind: fanout.ChangeJob})
	return nil
}

// apply installs cfg and its compiled scripts (nil when the Runner is no
// compile.Loader); s.mu is held (or s is not shared yet).
func (s *Scheduler) apply(cfg *jobs.Config, scripts map[string]*engine.Script, now time.Time) (added, removed, changed []string) {
	now = now.Round(0)
	seen := make(map[string]bool, len(cfg.Jobs))
	for _, j := range cfg.Jobs {
		seen[j.Name] = true
		js := s.jobs[j.Name]
		switch {
		case js == nil:
			js = &jobState{name: j.Name, running: map[*chain]struct{}{}}
			s.jobs[j.Name] = js
			added = append(added, j.Name)
		case js.job == nil:
			added = append(added, j.Name)
		case !js.job.SameSettings(j):
			changed = append(changed, j.Name)
		}
		if js.job == nil || !js.job.SameSchedule(j) {
			js.next = time.Time{}
			if j.Enabled {
				js.next = s.firstRun(j, now)
			}
		}
		js.job = j
		js.script = scripts[j.Script]
	}
	for name, js := range s.jobs {
		if seen[name] || js.job == nil {
			continue
		}
		removed = append(removed, name)
		js.job, js.next = nil, time.Time{}
		if len(js.running) == 0 {
			delete(s.jobs, name)
		}
	}
	s.cfg = cfg
	s.redact.Add(cfg.Sora.SecretValues)
	s.metrics.Jobs.Set(float64(len(cfg.Jobs)))
	return added, removed, changed
}

// firstRun is the first run time of j strictly after now (catchup.First;
// aligned in cluster mode).
func (s *Scheduler) firstRun(j *jobs.Job, now time.Time) time.Time {
	return catchup.First(j, now, s.cl != nil)
}
