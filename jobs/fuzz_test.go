package jobs

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzParse checks that no input makes Parse panic and that it returns
// either errors that are all *ConfigError values naming the file, or a
// configuration that satisfies every documented invariant.
func FuzzParse(f *testing.F) {
	getenv := env(map[string]string{"SET": "value", "EMPTY": "", "SORA_URL": "http://127.0.0.1:3000/", "SORA_API_TOKEN": "t"})
	f.Add([]byte(job()))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, testPath, getenv)
		if (cfg == nil) == (err == nil) {
			t.Fatalf("Parse returned config %v and error %v", cfg, err)
		}
		if err != nil {
			ces := ConfigErrors(err)
			if len(ces) == 0 {
				t.Fatalf("error %v holds no *ConfigError", err)
			}
			for _, ce := range ces {
				if ce.File != testPath || ce.Msg == "" || ce.Line < 0 {
					t.Fatalf("bad ConfigError %+v", ce)
				}
			}
			return
		}
		checkConfig(t, cfg)
	})
}

// checkConfig fails t unless cfg is a valid configuration.
func checkConfig(t *testing.T, cfg *Config) {
	t.Helper()
	s := cfg.Sora
	if s.URL == "" || s.Timeout <= 0 || s.Retries < 0 || cfg.HistoryKeep < 1 || cfg.Timezone == nil || len(cfg.Jobs) == 0 {
		t.Fatalf("invalid config %+v", cfg)
	}
	if (s.CertFile == "") != (s.KeyFile == "") {
		t.Fatalf("cert_file %q without key_file %q", s.CertFile, s.KeyFile)
	}
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	names := map[string]bool{}
	for _, j := range cfg.Jobs {
		if !ValidName(j.Name) || names[j.Name] || cfg.Job(j.Name) != j {
			t.Fatalf("bad or duplicate job name %q", j.Name)
		}
		names[j.Name] = true
		switch {
		case j.Schedule == nil, j.Location == nil, j.Script == "", j.ScriptRel == "", j.Line < 1,
			j.Timeout <= 0, j.Retries.Max < 0, j.Retries.Backoff < 0, j.Concurrency < 1, j.Args == nil:
			t.Fatalf("invalid job %+v", j)
		}
		switch j.ConcurrencyPolicy {
		case Forbid, Allow, Replace:
		default:
			t.Fatalf("job %q: policy %q", j.Name, j.ConcurrencyPolicy)
		}
		if _, err := json.Marshal(j.Args); err != nil {
			t.Fatalf("job %q: args are not JSON: %v", j.Name, err)
		}
		runs := j.NextRuns(from, 3)
		if len(runs) == 0 {
			t.Fatalf("job %q (%q) never runs", j.Name, j.ScheduleSpec)
		}
		for i, r := range runs {
			if !r.After(from) || i > 0 && !r.After(runs[i-1]) {
				t.Fatalf("job %q: runs %v are not increasing after %v", j.Name, runs, from)
			}
		}
	}
}
