package metrics

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// JobRuns holds the series a job's ok runs update, looked up once (by
// label values) instead of at every run. The zero value is ready.
type JobRuns struct {
	p atomic.Pointer[jobSeries]
}

type jobSeries struct {
	ok       prometheus.Counter  // runs ending ok
	duration prometheus.Observer // run durations
}

// ObserveRun counts a run of job that ended with outcome after dur; jr is
// the job's JobRuns.
func (m *Metrics) ObserveRun(jr *JobRuns, job, outcome string, dur time.Duration) {
	if outcome != "ok" {
		m.Runs.WithLabelValues(job, outcome).Inc()
		m.Duration.WithLabelValues(job).Observe(dur.Seconds())
		return
	}
	js := jr.p.Load()
	if js == nil {
		jr.p.CompareAndSwap(nil, &jobSeries{
			ok:       m.Runs.WithLabelValues(job, outcome),
			duration: m.Duration.WithLabelValues(job),
		})
		js = jr.p.Load()
	}
	js.ok.Inc()
	js.duration.Observe(dur.Seconds())
}

// JobSample is the state of one job at a scrape.
type JobSample struct {
	Job       string
	Suspended bool
	// Next is its next scheduled run; zero if none.
	Next time.Time
	// LastSuccess is the end of its newest run that ended ok; zero if none.
	LastSuccess time.Time
}

// RegisterJobs exports the per-job state that alerting needs, read with
// sample at each scrape:
//
//	soracron_job_last_success_timestamp_seconds{job}  end of the newest ok run
//	soracron_job_next_run_timestamp_seconds{job}      next scheduled run (absent if none)
//	soracron_job_suspended{job}                       1 when suspended through the API
func (m *Metrics) RegisterJobs(sample func() []JobSample) error {
	return m.reg.Register(&jobCollector{
		sample: sample,
		lastSuccess: prometheus.NewDesc("soracron_job_last_success_timestamp_seconds",
			"Unix time of the end of the job's newest run that ended ok (absent if none is kept).", []string{"job"}, nil),
		next: prometheus.NewDesc("soracron_job_next_run_timestamp_seconds",
			"Unix time of the job's next scheduled run (absent when disabled, suspended or never due again).",
			[]string{"job"}, nil),
		suspend: prometheus.NewDesc("soracron_job_suspended",
			"1 when the job is suspended through the API (POST /api/jobs/NAME/suspend), else 0.", []string{"job"}, nil),
	})
}

// jobCollector is the collector of RegisterJobs.
type jobCollector struct {
	sample                     func() []JobSample
	lastSuccess, next, suspend *prometheus.Desc
}

// Describe implements prometheus.Collector.
func (c *jobCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lastSuccess
	ch <- c.next
	ch <- c.suspend
}

// Collect implements prometheus.Collector.
func (c *jobCollector) Collect(ch chan<- prometheus.Metric) {
	for _, j := range c.sample() {
		v := 0.0
		if j.Suspended {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.suspend, prometheus.GaugeValue, v, j.Job)
		if !j.Next.IsZero() && !j.Suspended {
			ch <- prometheus.MustNewConstMetric(c.next, prometheus.GaugeValue, float64(j.Next.UnixNano())/1e9, j.Job)
		}
		if !j.LastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue,
				float64(j.LastSuccess.UnixNano())/1e9, j.Job)
		}
	}
}
