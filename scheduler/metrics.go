package scheduler

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/sora"
)

// Metrics are the Prometheus metrics of a daemon, in a registry of their
// own (never the global default registry). Create them before the Sora
// client, so that its sora.Config.OnRequest can be ObserveRequest.
type Metrics struct {
	reg *prometheus.Registry

	runs       *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	startDelay prometheus.Histogram
	requests   *prometheus.CounterVec
	skipped    *prometheus.CounterVec
	missed     *prometheus.CounterVec
	// notRecorded counts runs not started because the history could not
	// record them.
	notRecorded  *prometheus.CounterVec
	session      prometheus.Gauge
	jobs         prometheus.Gauge
	running      prometheus.Gauge
	reloads      *prometheus.CounterVec
	reloadFailed prometheus.Gauge
	events       *prometheus.CounterVec
	eventQueue   prometheus.Gauge
	// notifications counts the notification deliveries by result.
	notifications *prometheus.CounterVec
}

// NewMetrics returns the daemon's metrics, registered in a new registry
// together with the Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracron_runs_total",
			Help: "Runs of jobs by final outcome (ok, partial, failed, timeout, cancelled, skipped, missed, interrupted); each retry attempt counts.",
		}, []string{"job", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "soracron_run_duration_seconds",
			Help:    "Wall time of the runs that started.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}, []string{"job"}),
		startDelay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "soracron_run_start_delay_seconds",
			Help:    "Delay between the scheduled time of a scheduled run and the start of its script.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 60},
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracron_sora_requests_total",
			Help: "HTTP attempts to the Sora API by action and status (the HTTP status, or \"error\" when no reply came).",
		}, []string{"action", "status"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracron_skipped_overlaps_total",
			Help: "Scheduled runs skipped because the previous run was still running (concurrency_policy: forbid).",
		}, []string{"job"}),
		notRecorded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracron_runs_not_recorded_total",
			Help: "Runs not started because the history could not record them (e.g. the state's disk is full).",
		}, []string{"job"}),
		missed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracron_missed_runs_total",
			Help: "Scheduled times recorded missed: not started within starting_deadline, or not caught up (catch_up).",
		}, []string{"job"}),
		session: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "soracron_cluster_session",
			Help: "Cluster mode: 1 while this replica holds its etcd session (it starts runs), 0 otherwise.",
		}),
		jobs: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "soracron_jobs",
			Help: "Jobs in the configuration (enabled or not).",
		}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "soracron_running_runs",
			Help: "Runs in progress (including retries waiting for their backoff).",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracron_config_reloads_total",
			Help: "Configuration reloads by result (ok, error).",
		}, []string{"result"}),
		reloadFailed: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "soracron_config_last_reload_failed",
			Help: "1 when the last configuration reload was refused (the previous configuration is still in use).",
		}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracron_events_total",
			Help: "Events of Sora's event webhook received, by type and result (accepted, duplicate, rejected: queue full, unavailable: no etcd session, no_job).",
		}, []string{"type", "result"}),
		eventQueue: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "soracron_event_queue_depth",
			Help: "Events accepted whose runs have not all ended yet (bounded by event_webhook.queue).",
		}),
	}
	m.notifications = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "soracron_notifications_total",
		Help: "Notifications (notify webhooks) by result: ok, failed (every attempt failed) or dropped (queue full, or shutdown).",
	}, []string{"outcome"})
	m.reg.MustRegister(m.notifications)
	m.reg.MustRegister(m.runs, m.duration, m.startDelay, m.requests, m.skipped, m.missed, m.notRecorded, m.session, m.jobs, m.running,
		m.reloads, m.reloadFailed, m.events, m.eventQueue,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// jobMetrics are the metrics a job's successful runs update, looked up
// once (by label values) instead of at every run.
type jobMetrics struct {
	ok       prometheus.Counter  // runs ending ok
	duration prometheus.Observer // run durations
}

// observeRun counts a run of js that ended with outcome after dur.
func (s *Scheduler) observeRun(js *jobState, outcome history.Outcome, dur time.Duration) {
	if outcome != history.OutcomeOK {
		s.metrics.runs.WithLabelValues(js.name, string(outcome)).Inc()
		s.metrics.duration.WithLabelValues(js.name).Observe(dur.Seconds())
		return
	}
	jm := js.metrics.Load()
	if jm == nil {
		js.metrics.CompareAndSwap(nil, &jobMetrics{
			ok:       s.metrics.runs.WithLabelValues(js.name, string(history.OutcomeOK)),
			duration: s.metrics.duration.WithLabelValues(js.name),
		})
		jm = js.metrics.Load()
	}
	jm.ok.Inc()
	jm.duration.Observe(dur.Seconds())
}

// ObserveRequest counts one HTTP attempt to Sora; it is meant to be the
// sora.Config.OnRequest of the daemon's client.
func (m *Metrics) ObserveRequest(info sora.RequestInfo) {
	status := "error"
	if info.Status != 0 {
		status = strconv.Itoa(info.Status)
	}
	m.requests.WithLabelValues(sora.ActionName(info.Target), status).Inc()
}

// ObserveReload counts a configuration reload; ok is false when it was
// refused and the previous configuration is kept. Reload counts its own
// outcome; call this for reloads refused before Reload (jobs.yaml invalid).
func (m *Metrics) ObserveReload(ok bool) {
	if ok {
		m.reloads.WithLabelValues("ok").Inc()
		m.reloadFailed.Set(0)
		return
	}
	m.reloads.WithLabelValues("error").Inc()
	m.reloadFailed.Set(1)
}
