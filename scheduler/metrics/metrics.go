package metrics

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/soracron/soracron/sora"
)

// Metrics are the Prometheus metrics of a daemon, in a registry of their
// own. Create them before the Sora client, so that its
// sora.Config.OnRequest can be ObserveRequest.
type Metrics struct {
	reg *prometheus.Registry

	// Runs counts the runs by job and final outcome (each retry attempt
	// counts).
	Runs *prometheus.CounterVec
	// Duration is the wall time of the runs that started, by job.
	Duration *prometheus.HistogramVec
	// StartDelay is the delay between a scheduled run's time and the start
	// of its script.
	StartDelay prometheus.Histogram
	requests   *prometheus.CounterVec
	// Skipped counts the scheduled runs skipped by forbid, by job.
	Skipped *prometheus.CounterVec
	// Missed counts the scheduled times recorded missed, by job.
	Missed *prometheus.CounterVec
	// NotRecorded counts runs not started because the history could not
	// record them, by job.
	NotRecorded *prometheus.CounterVec
	// Session is 1 while this replica holds its etcd session.
	Session prometheus.Gauge
	// Jobs is the number of jobs of the configuration.
	Jobs prometheus.Gauge
	// Running is the number of runs in progress.
	Running      prometheus.Gauge
	reloads      *prometheus.CounterVec
	reloadFailed prometheus.Gauge
	// Events counts the events of Sora's event webhook by type and result.
	Events *prometheus.CounterVec
	// EventQueue is the number of accepted events whose runs have not all
	// ended.
	EventQueue prometheus.Gauge
	// Notifications counts the notification deliveries by result.
	Notifications *prometheus.CounterVec
}

// New returns the daemon's metrics, registered in a new registry together
// with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		Runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracron_runs_total",
			Help: "Runs of jobs by final outcome (ok, partial, failed, timeout, cancelled, skipped, missed, interrupted); each retry attempt counts.",
		}, []string{"job", "outcome"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "soracron_run_duration_seconds",
			Help:    "Wall time of the runs that started.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}, []string{"job"}),
		StartDelay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "soracron_run_start_delay_seconds",
			Help:    "Delay between the scheduled time of a scheduled run and the start of its script.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 60},
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracron_sora_requests_total",
			Help: "HTTP attempts to the Sora API by action and status (the HTTP status, or \"error\" when no reply came).",
		}, []string{"action", "status"}),
		Skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracron_skipped_overlaps_total",
			Help: "Scheduled runs skipped because the previous run was still running (concurrency_policy: forbid).",
		}, []string{"job"}),
		NotRecorded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracron_runs_not_recorded_total",
			Help: "Runs not started because the history could not record them (e.g. the state's disk is full).",
		}, []string{"job"}),
		Missed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracron_missed_runs_total",
			Help: "Scheduled times recorded missed: not started within starting_deadline, or not caught up (catch_up).",
		}, []string{"job"}),
		Session: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "soracron_cluster_session",
			Help: "Cluster mode: 1 while this replica holds its etcd session (it starts runs), 0 otherwise.",
		}),
		Jobs: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "soracron_jobs",
			Help: "Jobs in the configuration (enabled or not).",
		}),
		Running: prometheus.NewGauge(prometheus.GaugeOpts{
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
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracron_events_total",
			Help: "Events of Sora's event webhook received, by type and result (accepted, duplicate, rejected: queue full, unavailable: no etcd session, no_job).",
		}, []string{"type", "result"}),
		EventQueue: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "soracron_event_queue_depth",
			Help: "Events accepted whose runs have not all ended yet (bounded by event_webhook.queue).",
		}),
	}
	m.Notifications = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "soracron_notifications_total",
		Help: "Notifications (notify webhooks) by result: ok, failed (every attempt failed) or dropped (queue full, or shutdown).",
	}, []string{"outcome"})
	m.reg.MustRegister(m.Notifications)
	m.reg.MustRegister(m.Runs, m.Duration, m.StartDelay, m.requests, m.Skipped, m.Missed, m.NotRecorded, m.Session, m.Jobs, m.Running,
		m.reloads, m.reloadFailed, m.Events, m.EventQueue,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Gatherer returns the registry of the metrics (tests read it).
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

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
// refused and the previous configuration is kept. The daemon's Reload
// counts its own outcome; call this for reloads refused before Reload
// (jobs.yaml invalid).
func (m *Metrics) ObserveReload(ok bool) {
	if ok {
		m.reloads.WithLabelValues("ok").Inc()
		m.reloadFailed.Set(0)
		return
	}
	m.reloads.WithLabelValues("error").Inc()
	m.reloadFailed.Set(1)
}
