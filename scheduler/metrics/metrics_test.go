package metrics

import (
	"testing"
	"time"

	"github.com/soracron/soracron/sora"
)

// series returns the values of the series of metric name (gauge or
// counter; a histogram's sample count) by their labels, "k=v,k=v".
func series(t *testing.T, m *Metrics, name string) map[string]float64 {
	t.Helper()
	mfs, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, mt := range mf.GetMetric() {
			key := ""
			for i, l := range mt.GetLabel() {
				if i > 0 {
					key += ","
				}
				key += l.GetName() + "=" + l.GetValue()
			}
			switch {
			case mt.GetGauge() != nil:
				out[key] = mt.GetGauge().GetValue()
			case mt.GetCounter() != nil:
				out[key] = mt.GetCounter().GetValue()
			case mt.GetHistogram() != nil:
				out[key] = float64(mt.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

func TestObserveRun(t *testing.T) {
	m := New()
	var jr JobRuns
	for _, o := range []string{"ok", "ok", "failed"} {
		m.ObserveRun(&jr, "j", o, time.Second)
	}
	runs := series(t, m, "soracron_runs_total")
	for _, tc := range []struct {
		outcome string
		want    float64
	}{{"ok", 2}, {"failed", 1}, {"timeout", 0}} {
		t.Run(tc.outcome, func(t *testing.T) {
			if got := runs["job=j,outcome="+tc.outcome]; got != tc.want {
				t.Errorf("soracron_runs_total{job=j,outcome=%s} = %v, want %v", tc.outcome, got, tc.want)
			}
		})
	}
	if d := series(t, m, "soracron_run_duration_seconds"); len(d) != 1 || d["job=j"] != 3 {
		t.Errorf("durations = %v, want 3 samples of job j", d)
	}
}

func TestRegisterJobs(t *testing.T) {
	m := New()
	next := time.Unix(1700000000, 0)
	err := m.RegisterJobs(func() []JobSample {
		return []JobSample{
			{Job: "a", Next: next, LastSuccess: next.Add(-time.Minute)},
			{Job: "b", Suspended: true, Next: next},
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want map[string]float64
	}{
		{"soracron_job_next_run_timestamp_seconds", map[string]float64{"job=a": 1700000000}}, // not b: suspended
		{"soracron_job_suspended", map[string]float64{"job=a": 0, "job=b": 1}},
		{"soracron_job_last_success_timestamp_seconds", map[string]float64{"job=a": 1700000000 - 60}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := series(t, m, tc.name)
			if len(got) != len(tc.want) {
				t.Fatalf("%s = %v, want %v", tc.name, got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s{%s} = %v, want %v", tc.name, k, got[k], v)
				}
			}
		})
	}
}

func TestObserveRequestAndReload(t *testing.T) {
	m := New()
	m.ObserveRequest(sora.RequestInfo{Status: 503})
	m.ObserveRequest(sora.RequestInfo{})
	if got := series(t, m, "soracron_sora_requests_total"); len(got) != 2 || got["action=,status=503"] != 1 ||
		got["action=,status=error"] != 1 {
		t.Errorf("requests = %v, want one 503 and one error", got)
	}
	m.ObserveReload(false)
	if got := series(t, m, "soracron_config_last_reload_failed")[""]; got != 1 {
		t.Errorf("last_reload_failed = %v after a refused reload", got)
	}
	m.ObserveReload(true)
	if got := series(t, m, "soracron_config_reloads_total"); got["result=ok"] != 1 || got["result=error"] != 1 {
		t.Errorf("reloads = %v", got)
	}
	if got := series(t, m, "soracron_config_last_reload_failed")[""]; got != 0 {
		t.Errorf("last_reload_failed = %v after a reload", got)
	}
}
