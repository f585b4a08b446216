package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/cli/daemonhttp"
	"github.com/soracron/soracron/cli/logformat"
	"github.com/soracron/soracron/cli/secretfile"
	"github.com/soracron/soracron/cli/soraconn"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/metrics"
	"github.com/soracron/soracron/sora"
)

type serveFlags struct {
	sora            soraconn.Flags
	config          string
	listen          string
	state           string
	tokenFile       string
	shutdownTimeout time.Duration
	emulator        string
	logFormat       string
	logLevel        string
	cluster         string
	node            string
	metricsPublic   bool
	metricsListen   string
	allowedHosts    []string
	// changed reports whether a flag was given (on the command line or by
	// its variable).
	changed func(name string) bool
}

func newServeCmd(app *App) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve [-c jobs.yaml] [flags]",
		Short: "Run the jobs of jobs.yaml on their schedules (the cron daemon)",
		Long: `Run the jobs of jobs.yaml on their cron schedules until stopped, with each
job's args, timeout, retries and concurrency policy (forbid: skip a run while the
previous one is running; allow: overlap; replace: cancel the running one).
Every run is recorded, with its log lines, in the state database (--state).

Ticks missed while the daemon was down or paused (found from the history at
start): with catch_up latest (the default) the latest runs once if it is younger
than the job's starting_deadline; the others are recorded "missed".

Cluster mode (--cluster etcd://HOST:2379[,HOST:2379], or cluster.endpoints):
several serve processes share the jobs through etcd and each tick runs exactly
once, on the replica that claims it. A replica without an etcd session starts
nothing and answers 503 on /healthz; runs of a replica that died are recorded
"interrupted" by the others (on_lost: rerun runs them again). Manual and event
runs are claimed the same way (an event delivered to several replicas runs
once), and suspend/resume on any replica applies to every replica.

Web dashboard at http://LISTEN/ (jobs, runs, logs, Run now, suspend/resume;
with a token it asks for it at /ui/login).

HTTP API on --listen (loopback by default):
  GET  /healthz                 liveness (503 while shutting down, or without
                                an etcd session in cluster mode)
  GET  /metrics                 Prometheus metrics
  GET  /api/jobs                jobs with next run, runs in progress, last run
  POST /api/jobs/NAME/run       run a job now: 202 {"run_id": N}, 409 if it is
                                running and its policy is forbid, 404 unknown
  POST /api/jobs/NAME/suspend   suspend its schedule (kept across restarts;
                                on every replica in cluster mode)
  POST /api/jobs/NAME/resume    resume it
  GET  /api/runs?job=NAME&limit=N   recent runs, newest first
  GET  /api/runs/ID             one run: outcome, times, error, result, API
                                calls and its log lines
  GET  /api/cluster             cluster mode: members and their runs
A non-loopback --listen requires --token-file; every request but GET /healthz
then needs the header "Authorization: Bearer <token>" (401 otherwise).
GET /healthz then answers only {"status":"ok"} (or 503 "shutting down");
--metrics-public serves /metrics without the token, --metrics-listen ADDR
serves it without the token on a second address.

Sora is the sora section of jobs.yaml; --sora-url, --header, --header-file,
--request-timeout, --retries and the TLS flags (or their SORACRON_ variables)
override it, and $SORA_API_TOKEN replaces its Authorization header with
"Bearer TOKEN". Secret files (--token-file, --header-file, key files) must not
be readable by other users.

Under systemd (Type=notify) serve reports READY=1 once the API listens,
RELOADING=1 during a SIGHUP reload and STOPPING=1 on shutdown.

Signals:
  SIGHUP           re-read jobs.yaml and recompile the scripts; the new jobs apply
                   if everything is valid, otherwise the errors are logged and the
                   running configuration is kept. Runs in progress are not touched.
                   (Changes to the sora and history sections need a restart; a
                   changed cluster section is not applied, and the log names
                   its changed keys.)
  SIGINT, SIGTERM  stop starting runs, wait up to --shutdown-timeout for the runs
                   in progress, cancel the rest (recorded as cancelled), exit 0.

Only one serve may use a state file; runs left "running" by a daemon that was
killed are marked "interrupted" at start.

Exit codes: 0 stopped by a signal; 1 could not run (state file locked by another
serve, address in use, ...); 2 usage error (bad flags, invalid jobs.yaml, script
syntax errors).`,
		Example: `  soracron serve -c jobs.yaml
  soracron serve -c jobs.yaml --emulator          # try the jobs against the built-in emulator
  soracron serve -c /etc/soracron/jobs.yaml --state /var/lib/soracron/state.db \
      --listen 0.0.0.0:8080 --token-file /etc/soracron/api-token --log-format json
  curl -X POST http://127.0.0.1:8080/api/jobs/mark-busy/run
  soracron serve -c jobs.yaml --cluster etcd://127.0.0.1:2379 --node a --state a.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.changed = cmd.Flags().Changed
			return runServe(cmd.Context(), app, &f)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&f.config, "config", "c", "jobs.yaml", "jobs file")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "address of the HTTP API (health, metrics, jobs, runs)")
	fs.StringVar(&f.state, "state", "soracron.db", "run history database (SQLite; locked while serve runs)")
	fs.StringVar(&f.tokenFile, "token-file", "", "file holding the bearer token the HTTP API requires (needed for a non-loopback --listen)")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", scheduler.DefaultShutdownTimeout, "on SIGINT/SIGTERM, how long to wait for runs in progress before cancelling them")
	soraconn.EmulatorFlag(fs, &f.emulator, "run the jobs against the built-in emulator instead of sora.url")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&f.cluster, "cluster", "", "run as a replica of a cluster coordinated by etcd: etcd://host:2379[,host2:2379] (etcds:// for TLS); overrides cluster.endpoints")
	fs.StringVar(&f.node, "node", "", "cluster mode: this replica's name (default: cluster.node, else the host name)")
	fs.BoolVar(&f.metricsPublic, "metrics-public", false, "serve GET /metrics on --listen without the token")
	fs.StringVar(&f.metricsListen, "metrics-listen", "", "also serve GET /metrics, without a token, on this address (e.g. 127.0.0.1:9090)")
	fs.StringArrayVar(&f.allowedHosts, "allowed-host", nil, "a further host name the API answers to in the Host header, e.g. a reverse proxy's name (repeatable; loopback names and the --listen host are always allowed)")
	f.sora.Register(fs)
	return cmd
}

// configEnv looks up the ${VAR}s of jobs.yaml; an empty variable is unset.
func configEnv(app *App) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v := app.Getenv(k)
		return v, v != ""
	}
}

// loadJobs loads jobs.yaml, writing every problem to stderr.
func loadJobs(app *App, path string) (*jobs.Config, error) {
	cfg, err := jobs.Load(path, configEnv(app))
	if err != nil {
		n := printConfigErrors(app.Stderr, err)
		return nil, usageErr(fmt.Errorf("%s is invalid: %s", path, countOf(n, "problem")))
	}
	return cfg, nil
}

// loopbackAddr reports whether the host of a listen address is loopback.
func loopbackAddr(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("--listen %q: want HOST:PORT, e.g. 127.0.0.1:8080", addr)
	}
	return isLoopback(host), nil
}

func runServe(ctx context.Context, app *App, f *serveFlags) error {
	logger, err := logformat.New(app.Stderr, f.logFormat, f.logLevel)
	if err != nil {
		return usageErr(err)
	}
	loopback, err := loopbackAddr(f.listen)
	if err != nil {
		return usageErr(err)
	}
	for _, h := range f.allowedHosts {
		if h == "" || strings.ContainsAny(h, "/:@ \t\r\n") && net.ParseIP(strings.Trim(h, "[]")) == nil {
			return usageErr(fmt.Errorf("--allowed-host %q: want a host name or IP without scheme, port or path, e.g. cron.example.com", h))
		}
	}
	if !loopback && f.tokenFile == "" {
		return usageErr(fmt.Errorf("--listen %s is not a loopback address: give --token-file so that the API requires a bearer token", f.listen))
	}
	var token string
	if f.tokenFile != "" {
		if token, err = secretfile.ReadToken(f.tokenFile, logWarn(logger)); err != nil {
			return usageErr(err)
		}
	}
	if f.shutdownTimeout <= 0 {
		return usageErr(errors.New("--shutdown-timeout must be positive"))
	}
	if f.emulator != "" && f.sora.URL != "" {
		return usageErr(errors.New("give either --sora-url or --emulator, not both"))
	}
	cfg, err := loadJobs(app, f.config)
	if err != nil {
		return err
	}
	// adjust applies the flags (and their variables) over jobs.yaml, at
	// start and on every reload.
	var emuURL string
	var soraLimit time.Duration // cluster mode: the bound of sora.timeout
	adjust := func(cfg *jobs.Config) error {
		if err := f.sora.Override(app.Getenv, &cfg.Sora, f.changed, logWarn(logger)); err != nil {
			return err
		}
		if soraLimit > 0 && cfg.Sora.Timeout > soraLimit {
			cfg.Sora.Timeout = soraLimit // as at start (openCluster), silently
		}
		if emuURL != "" {
			cfg.Sora.URL = emuURL
		}
		return nil
	}
	if err := adjust(cfg); err != nil {
		return usageErr(err)
	}
	store, err := history.Open(f.state, history.Options{Keep: cfg.HistoryKeep,
		KeepOK: cfg.HistoryKeepOK, KeepFailed: cfg.HistoryKeepFailed, KeepSkipped: cfg.HistoryKeepSkipped})
	if errors.Is(err, history.ErrLocked) {
		return failErr(fmt.Errorf("%w: only one serve may use a state file; stop the other one or give another --state", err))
	}
	if err != nil {
		return failErr(err)
	}
	defer store.Close()
	if n := store.Interrupted(); n > 0 {
		logger.Warn("runs left running by a previous process were marked interrupted",
			slog.Int("count", n), slog.String("state", f.state))
	}

	if f.emulator != "" {
		tgt, err := soraconn.StartEmulator(f.emulator)
		if err != nil {
			return err
		}
		defer tgt.Close()
		emuURL = tgt.URL
		cfg.Sora.URL = emuURL
		logger.Info("built-in emulator started; jobs use it instead of sora.url", slog.String("url", emuURL))
	}

	cl, err := openCluster(f, cfg, logger)
	if err != nil {
		return err
	}
	if cl != nil {
		soraLimit = clusterSoraLimit(cfg)
	}
	if cl != nil {
		defer closeCluster(cl, logger)
	}

	metrics := metrics.New()
	client, err := sora.New(soraconn.ClientConfig(cfg, metrics.ObserveRequest))
	if err != nil {
		return usageErr(err)
	}
	defer client.CloseIdleConnections()
	childSora := soraconn.ClientConfig(cfg, nil) // isolated runs' requests are not in the daemon's metrics
	eng := engine.New(engine.Options{Client: client, Logger: logger, Child: childOptions(&childSora)})

	sched, err := scheduler.New(scheduler.Options{
		Config: cfg, Runner: eng, History: store, Logger: logger, Metrics: metrics,
		ShutdownTimeout: f.shutdownTimeout, Cluster: cl,
	})
	if err != nil {
		fmt.Fprintln(app.Stderr, err)
		return usageErr(fmt.Errorf("%s: scripts do not compile", f.config))
	}

	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return failErr(fmt.Errorf("listen: %w", err))
	}
	srv := daemonhttp.NewServer(daemonhttp.Handler(sched, token, f.metricsPublic, f.listen, f.allowedHosts), logger)
	if f.metricsListen != "" {
		stopMetrics, err := daemonhttp.ServeMetrics(f.metricsListen, sched, logger)
		if err != nil {
			_ = ln.Close()
			return failErr(err)
		}
		defer stopMetrics()
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("http api listening", slog.String("addr", ln.Addr().String()), slog.Bool("token", token != ""))

	notify := notifier{logger: logger}
	jobCount := len(cfg.Jobs)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	httpDied := make(chan error, 1)
	go func() {
		for {
			select {
			case <-runCtx.Done():
				return
			case <-hup:
				notify.reloading()
				if n := reloadJobs(app, f.config, adjust, sched, logger); n >= 0 {
					jobCount = n
				}
				notify.ready(fmt.Sprintf("running %s from %s", countOf(jobCount, "job"), f.config))
			case err := <-serveErr:
				logger.Error("http api stopped; shutting down", slog.Any("error", err))
				httpDied <- err
				cancel()
				return
			}
		}
	}()

	logger.Info("soracron serve started", slog.String("config", f.config), slog.String("state", f.state),
		slog.Int("jobs", len(cfg.Jobs)))
	notify.ready(fmt.Sprintf("running %s from %s", countOf(len(cfg.Jobs), "job"), f.config))
	// STOPPING=1 goes out as soon as shutdown begins (the scheduler then
	// waits for the runs in progress), and serve does not return before it
	// went: a process that exits first never sends it.
	stoppingSent := make(chan struct{})
	go func() {
		defer close(stoppingSent)
		<-runCtx.Done()
		notify.stopping()
	}()
	runErr := sched.Run(runCtx)
	cancel()
	<-stoppingSent
	shutCtx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	_ = srv.Shutdown(shutCtx)
	if runErr != nil {
		return failErr(runErr)
	}
	select {
	case err := <-httpDied:
		return failErr(fmt.Errorf("http api: %w", err))
	default:
	}
	logger.Info("soracron serve stopped")
	return nil
}

// reloadJobs re-reads jobs.yaml on SIGHUP and applies it when valid.
// It returns the number of jobs of the new configuration, or -1 when the
// running one was kept.
func reloadJobs(app *App, path string, adjust func(*jobs.Config) error, sched *scheduler.Scheduler, logger *slog.Logger) int {
	logger.Info("SIGHUP: reloading the configuration", slog.String("file", path))
	cfg, err := jobs.Load(path, configEnv(app))
	if err != nil {
		sched.Metrics().ObserveReload(false)
		ces := jobs.ConfigErrors(err)
		if len(ces) == 0 {
			logger.Error("configuration reload refused; keeping the running configuration", slog.Any("error", err))
		}
		for _, ce := range ces {
			logger.Error("configuration reload refused; keeping the running configuration",
				slog.String("file", ce.File), slog.Int("line", ce.Line), slog.String("error", ce.Error()))
		}
		return -1
	}
	if err := adjust(cfg); err != nil {
		sched.Metrics().ObserveReload(false)
		logger.Error("configuration reload refused; keeping the running configuration", slog.Any("error", err))
		return -1
	}
	if err := sched.Reload(cfg); err != nil {
		logger.Error("configuration reload refused; keeping the running configuration", slog.Any("error", err))
		return -1
	}
	return len(cfg.Jobs)
}
