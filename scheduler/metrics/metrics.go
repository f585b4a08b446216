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
		Runs: counterVec("soracron_runs_total",
			"Runs of jobs by final outcome (ok, partial, failed, timeout, cancelled, skipped, missed, interrupted); each retry attempt counts.", "job", "outcome"),
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
		requests: counterVec("soracron_sora_requests_total",
			"HTTP attempts to the Sora API by action and status (the HTTP status, or \"error\" when no reply came).", "action", "status"),
		Skipped: counterVec("soracron_skipped_overlaps_total",
			"Scheduled runs skipped because the previous run was still running (concurrency_policy: forbid).", "job"),
		NotRecorded: counterVec("soracron_runs_not_recorded_total",
			"Runs not started because the history could not record them (e.g. the state's disk is full).", "job"),
		Missed: counterVec("soracron_missed_runs_total",
			"Scheduled times recorded missed: not started within starting_deadline, or not caught up (catch_up).", "job"),
		Session: gauge("soracron_cluster_session",
			"Cluster mode: 1 while this replica holds its etcd session (it starts runs), 0 otherwise."),
		Jobs: gauge("soracron_jobs",
			"Jobs in the configuration (enabled or not)."),
		Running: gauge("soracron_running_runs",
			"Runs in progress (including retries waiting for their backoff)."),
		reloads: counterVec("soracron_config_reloads_total",
			"Configuration reloads by result (ok, error).", "result"),
		reloadFailed: gauge("soracron_config_last_reload_failed",
			"1 when the last configuration reload was refused (the previous configuration is still in use)."),
		Events: counterVec("soracron_events_total",
			"Events of Sora's event webhook received, by type and result (accepted, duplicate, rejected: queue full, unavailable: no etcd session, no_job).", "type", "result"),
		EventQueue: gauge("soracron_event_queue_depth",
			"Events accepted whose runs have not all ended yet (bounded by event_webhook.queue)."),
		Notifications: counterVec("soracron_notifications_total",
			"Notifications (notify webhooks) by result: ok, failed (every attempt failed) or dropped (queue full, or shutdown).", "outcome"),
	}
	m.reg.MustRegister(m.Runs, m.Notifications, m.Duration, m.StartDelay, m.requests, m.Skipped, m.Missed, m.NotRecorded, m.Session, m.Jobs, m.Running,
		m.reloads, m.reloadFailed, m.Events, m.EventQueue,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// counterVec returns a counter vector of the given name, help and labels.
func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// gauge returns a gauge of the given name and help.
func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
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
