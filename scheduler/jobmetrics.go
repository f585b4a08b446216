package scheduler

import (
	"github.com/prometheus/client_golang/prometheus"
)

// jobCollector exports the per-job state that alerting needs, read from
// the scheduler at each scrape:
//
//	soracron_job_last_success_timestamp_seconds{job}  end of the newest ok run
//	soracron_job_next_run_timestamp_seconds{job}      next scheduled run (absent if none)
//	soracron_job_suspended{job}                       1 when suspended through the API
type jobCollector struct {
	s                          *Scheduler
	lastSuccess, next, suspend *prometheus.Desc
}

func newJobCollector(s *Scheduler) *jobCollector {
	return &jobCollector{
		s: s,
		lastSuccess: prometheus.NewDesc("soracron_job_last_success_timestamp_seconds",
			"Unix time of the end of the job's newest run that ended ok (absent if none is kept).", []string{"job"}, nil),
		next: prometheus.NewDesc("soracron_job_next_run_timestamp_seconds",
			"Unix time of the job's next scheduled run (absent when disabled, suspended or never due again).",
			[]string{"job"}, nil),
		suspend: prometheus.NewDesc("soracron_job_suspended",
			"1 when the job is suspended through the API (POST /api/jobs/NAME/suspend), else 0.", []string{"job"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *jobCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lastSuccess
	ch <- c.next
	ch <- c.suspend
}

// Collect implements prometheus.Collector.
func (c *jobCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.cfg.Jobs {
		js := s.jobs[j.Name]
		if js == nil {
			continue
		}
		_, suspended := s.suspended[j.Name]
		v := 0.0
		if suspended {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.suspend, prometheus.GaugeValue, v, j.Name)
		if !js.next.IsZero() && !suspended {
			ch <- prometheus.MustNewConstMetric(c.next, prometheus.GaugeValue, float64(js.next.UnixNano())/1e9, j.Name)
		}
		if !js.lastOK.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue,
				float64(js.lastOK.UnixNano())/1e9, j.Name)
		}
	}
}
