package jobs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testPath is where the inline test configurations pretend to live, so
// that their scripts/a.lua and scripts/b.lua exist.
var testPath = filepath.Join("testdata", "config", "jobs.yaml")

// env returns a getenv over a fixed set of variables.
func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestLoadGood(t *testing.T) {
	cfg, err := Load(filepath.Join("testdata", "config", "good.yaml"), env(map[string]string{
		"SORA_URL":       "http://127.0.0.1:3000/",
		"SORA_API_TOKEN": "s3cret",
	}))
	if err != nil {
		t.Fatal(err)
	}
	tokyo := mustLoc(t, "Asia/Tokyo")

	t.Run("top level", func(t *testing.T) {
		if cfg.Path != filepath.Join("testdata", "config", "good.yaml") {
			t.Errorf("Path = %q", cfg.Path)
		}
		if cfg.Timezone.String() != "Asia/Tokyo" || cfg.HistoryKeep != 50 || len(cfg.Jobs) != 3 {
			t.Errorf("Timezone %v, HistoryKeep %d, %d jobs", cfg.Timezone, cfg.HistoryKeep, len(cfg.Jobs))
		}
	})
	t.Run("sora", func(t *testing.T) {
		want := SoraConfig{
			URL:     "http://127.0.0.1:3000/",
			Timeout: 5 * time.Second,
			Retries: 2,
			Headers: map[string]string{
				"Authorization": "Bearer s3cret",
				"X-Literal":     "${NOT_EXPANDED}",
			},
			Insecure:     true,
			SecretValues: []string{"s3cret", "Bearer s3cret", "${NOT_EXPANDED}"},
		}
		if !reflect.DeepEqual(cfg.Sora, want) {
			t.Errorf("Sora = %+v\nwant   %+v", cfg.Sora, want)
		}
		if cfg.Sora.Attempts() != 3 {
			t.Errorf("Attempts() = %d, want 3", cfg.Sora.Attempts())
		}
	})
	t.Run("job with every key", func(t *testing.T) {
		j := cfg.Job("mark-busy")
		if j == nil {
			t.Fatal("no job mark-busy")
		}
		wantArgs := map[string]any{
			"channel_id":    "sora",
			"from_defaults": true,
			"minutes":       json.Number("10"),
			"big":           json.Number("123456789012345678901234567890"),
			"ratio":         0.5,
			"hex":           json.Number("31"),
			"tags":          []any{"a", json.Number("1"), nil, true},
			"nested":        map[string]any{"x": map[string]any{"y": "s3cret"}},
			"day":           "2025-01-02",
		}
		if !reflect.DeepEqual(j.Args, wantArgs) {
			t.Errorf("Args = %#v\nwant   %#v", j.Args, wantArgs)
		}
		if j.ScheduleSpec != "*/5 * * * *" || j.ScriptRel != "scripts/a.lua" ||
			j.Script != filepath.Join("testdata", "config", "scripts", "a.lua") {
			t.Errorf("spec %q, script %q (%q)", j.ScheduleSpec, j.Script, j.ScriptRel)
		}
		if j.Timeout != 30*time.Second || j.ConcurrencyPolicy != Forbid || j.Location != time.UTC ||
			!j.Enabled || !j.DryRun || j.Concurrency != 4 || j.Line != 18 {
			t.Errorf("job = %+v", j)
		}
		if want := (RetryPolicy{Max: 2, Backoff: 10 * time.Second, OnTimeout: true}); j.Retries != want {
			t.Errorf("Retries = %+v, want %+v", j.Retries, want)
		}
		if j.Schedule == nil {
			t.Error("no Schedule")
		}
	})
	t.Run("job with defaults", func(t *testing.T) {
		j := cfg.Job("set_key.v2")
		if j == nil {
			t.Fatal("no job set_key.v2")
		}
		if j.Script != filepath.Join("testdata", "config", "scripts", "b.lua") || j.ScriptRel != "./scripts/b.lua" {
			t.Errorf("Script %q, ScriptRel %q", j.Script, j.ScriptRel)
		}
		if j.Timeout != 2*time.Minute || j.ConcurrencyPolicy != Allow || j.Location.String() != tokyo.String() ||
			j.Enabled || j.DryRun || j.Concurrency != DefaultConcurrency {
			t.Errorf("job = %+v", j)
		}
		if want := (RetryPolicy{Backoff: 10 * time.Second}); j.Retries != want {
			t.Errorf("Retries = %+v, want %+v", j.Retries, want)
		}
		if want := map[string]any{"channel_id": "sora", "from_defaults": true}; !reflect.DeepEqual(j.Args, want) {
			t.Errorf("Args = %v, want %v", j.Args, want)
		}
	})
	t.Run("job args override defaults", func(t *testing.T) {
		j := cfg.Job("nightly")
		if want := map[string]any{"channel_id": "other", "from_defaults": true}; !reflect.DeepEqual(j.Args, want) {
			t.Errorf("Args = %v, want %v", j.Args, want)
		}
		if j.Retries.Max != 1 {
			t.Errorf("retries: 1 gave Max %d", j.Retries.Max)
		}
		// Changing one job's args must not leak into another's.
		j.Args["from_defaults"] = false
		if cfg.Job("set_key.v2").Args["from_defaults"] != true {
			t.Error("jobs share the defaults' args map")
		}
	})
	t.Run("unknown job", func(t *testing.T) {
		if cfg.Job("nope") != nil {
			t.Error("Job(nope) != nil")
		}
	})
}

func TestParseBuiltInDefaults(t *testing.T) {
	src := "sora: {url: \"https://sora.example.com/api\"}\njobs:\n  - {name: a, schedule: \"@hourly\", script: scripts/a.lua}\n"
	cfg, err := Parse([]byte(src), testPath, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := SoraConfig{URL: "https://sora.example.com/api", Timeout: 10 * time.Second, Retries: 3}
	if !reflect.DeepEqual(cfg.Sora, want) {
		t.Errorf("Sora = %+v, want %+v", cfg.Sora, want)
	}
	if cfg.Sora.Attempts() != 4 {
		t.Errorf("Attempts() = %d, want 4", cfg.Sora.Attempts())
	}
	if cfg.Timezone != time.Local || cfg.HistoryKeep != 100 {
		t.Errorf("Timezone %v, HistoryKeep %d", cfg.Timezone, cfg.HistoryKeep)
	}
	j := cfg.Jobs[0]
	if j.Timeout != time.Minute || j.ConcurrencyPolicy != Forbid || j.Location != time.Local || !j.Enabled ||
		j.DryRun || j.Concurrency != 16 || j.Retries != (RetryPolicy{Backoff: 30 * time.Second}) || j.Line != 3 {
		t.Errorf("job = %+v", j)
	}
	if j.Args == nil || len(j.Args) != 0 {
		t.Errorf("Args = %#v, want an empty map", j.Args)
	}
}

func TestEnvExpansion(t *testing.T) {
	vars := map[string]string{"TOKEN": "t0k", "EMPTY": "", "URL": "http://127.0.0.1:3000/", "SPEC": "*/10 * * * *", "DOLLAR": "${TOKEN}"}
	tests := []struct {
		name    string
		value   string // a header value
		want    string
		secrets []string
		errs    []string
	}{
		{"plain", "abc", "abc", nil, nil},
		{"one variable", "Bearer ${TOKEN}", "Bearer t0k", []string{"t0k", "Bearer t0k"}, nil},
		{"short literal is not a secret", "abcdefg", "abcdefg", nil, nil},
		{"long literal is a secret, and its token", "Bearer abcdefgh", "Bearer abcdefgh", []string{"Bearer abcdefgh", "abcdefgh"}, nil},
		{"two variables", "${TOKEN}:${TOKEN}", "t0k:t0k", []string{"t0k"}, nil},
		{"set but empty", "x${EMPTY}y", "xy", nil, nil},
		{"escaped", "$${TOKEN}", "${TOKEN}", []string{"${TOKEN}"}, nil},
		{"escape then variable", "$${TOKEN}${TOKEN}", "${TOKEN}t0k", []string{"t0k", "${TOKEN}t0k"}, nil},
		{"dollar without brace", "$TOKEN and $$", "$TOKEN and $$", []string{"$TOKEN and $$"}, nil},
		{"value is not expanded again", "${DOLLAR}", "${TOKEN}", []string{"${TOKEN}"}, nil},
		{"unset", "Bearer ${SORA_API_TOKEN}", "", nil, []string{`jobs.yaml:3: ${SORA_API_TOKEN} is not set`}},
		{"two unset", "${A}${B}", "", nil, []string{`jobs.yaml:3: ${A} is not set`, `jobs.yaml:3: ${B} is not set`}},
		{"unterminated", "${TOKEN", "", nil, []string{`jobs.yaml:3: unterminated "${" (write "$${" for a literal "${")`}},
		{"bad name", "${TOKEN:-x}", "", nil, []string{`jobs.yaml:3: ${TOKEN:-x}: invalid variable name (write "$${" for a literal "${")`}},
		{"empty name", "${}", "", nil, []string{`jobs.yaml:3: ${}: invalid variable name (write "$${" for a literal "${")`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "sora:\n  headers:\n    X-Test: " + strconv.Quote(tt.value) + "\n  url: ${URL}\njobs: [{name: a, schedule: '${SPEC}', script: scripts/a.lua}]\n"
			cfg, err := Parse([]byte(src), testPath, env(vars))
			if got := errorLines(err); !reflect.DeepEqual(got, tt.errs) {
				t.Fatalf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.errs, "\n"))
			}
			if err != nil {
				return
			}
			if got := cfg.Sora.Headers["X-Test"]; got != tt.want {
				t.Errorf("header = %q, want %q", got, tt.want)
			}
			if !reflect.DeepEqual(cfg.Sora.SecretValues, tt.secrets) {
				t.Errorf("SecretValues = %q, want %q", cfg.Sora.SecretValues, tt.secrets)
			}
			if cfg.Sora.URL != vars["URL"] || cfg.Jobs[0].ScheduleSpec != vars["SPEC"] {
				t.Errorf("url %q, schedule %q not expanded", cfg.Sora.URL, cfg.Jobs[0].ScheduleSpec)
			}
		})
	}
}

func TestEnvExpansionEverywhere(t *testing.T) {
	vars := map[string]string{"TZ_NAME": "Asia/Tokyo", "DIR": "scripts", "T": "45s", "CH": "sora", "PASS": "pw"}
	src := "sora: {url: 'http://user:${PASS}@127.0.0.1:3000/'}\ntimezone: ${TZ_NAME}\njobs:\n" +
		"  - {name: a, schedule: '@daily', script: '${DIR}/a.lua', timeout: '${T}', args: {ch: '${CH}', lit: '$${CH}', '${CH}': 1}}\n"
	cfg, err := Parse([]byte(src), testPath, env(vars))
	if err != nil {
		t.Fatal(err)
	}
	j := cfg.Jobs[0]
	if cfg.Timezone.String() != "Asia/Tokyo" || j.ScriptRel != "scripts/a.lua" || j.Timeout != 45*time.Second {
		t.Errorf("timezone %v, script %q, timeout %v", cfg.Timezone, j.ScriptRel, j.Timeout)
	}
	// Values are expanded, keys are not.
	want := map[string]any{"ch": "sora", "lit": "${CH}", "${CH}": json.Number("1")}
	if !reflect.DeepEqual(j.Args, want) {
		t.Errorf("Args = %v, want %v", j.Args, want)
	}
	if !reflect.DeepEqual(cfg.Sora.SecretValues, []string{"pw"}) {
		t.Errorf("SecretValues = %q, want the URL password", cfg.Sora.SecretValues)
	}
}

func TestParseNilGetenvUsesEnvironment(t *testing.T) {
	t.Setenv("SORACRON_TEST_URL", "http://127.0.0.1:3999/")
	src := "sora: {url: '${SORACRON_TEST_URL}'}\njobs: [{name: a, schedule: '@daily', script: scripts/a.lua}]\n"
	cfg, err := Parse([]byte(src), testPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Sora.URL != "http://127.0.0.1:3999/" {
		t.Errorf("URL = %q", cfg.Sora.URL)
	}
}

func TestArgsValues(t *testing.T) {
	tests := []struct {
		yaml string
		want any
	}{
		{"42", json.Number("42")},
		{"-7", json.Number("-7")},
		{"1_000", json.Number("1000")},
		{"0x1F", json.Number("31")},
		{"0o17", json.Number("15")},
		{"0b101", json.Number("5")},
		{"9007199254740993", json.Number("9007199254740993")},
		{"18446744073709551615", json.Number("18446744073709551615")},
		{"-99999999999999999999999", json.Number("-99999999999999999999999")},
		{"0", json.Number("0")},
		{"1.5", 1.5},
		{"1e3", 1000.0},
		{"'42'", "42"},
		{"!!str 42", "42"},
		{"true", true},
		{"\"yes\"", "yes"},
		{"no", "no"},
		{"null", nil},
		{"~", nil},
		{"2025-01-02T03:04:05Z", "2025-01-02T03:04:05Z"},
		{"[]", []any{}},
		{"{}", map[string]any{}},
		{"[{a: [1]}]", []any{map[string]any{"a": []any{json.Number("1")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			cfg, err := Parse([]byte(job("args: {v: "+tt.yaml+"}")), testPath, env(nil))
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Jobs[0].Args["v"]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("v = %#v (%T), want %#v (%T)", got, got, tt.want, tt.want)
			}
			if _, err := json.Marshal(cfg.Jobs[0].Args); err != nil {
				t.Errorf("args are not JSON-compatible: %v", err)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.yaml")
	if err := os.WriteFile(huge, []byte("# "+strings.Repeat("x", MaxConfigSize)), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing file", filepath.Join(dir, "nope.yaml"), filepath.Join(dir, "nope.yaml") + ": cannot read: no such file or directory"},
		{"directory", dir, dir + ": cannot read: is a directory"},
		{"huge file", huge, huge + ": file is larger than 4 MiB; refusing to parse it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path, env(nil))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %v, want %s", err, tt.want)
			}
		})
	}
}

func TestLoadAbsoluteScriptAndTLSFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"ca.pem", "cert.pem", "key.pem", "job.lua"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	abs := filepath.Join(dir, "job.lua")
	src := "sora: {url: 'https://h/', ca_file: ca.pem, cert_file: cert.pem, key_file: key.pem}\njobs: [{name: a, schedule: '@daily', script: '" + abs + "'}]\n"
	path := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Sora.CAFile != filepath.Join(dir, "ca.pem") || cfg.Sora.CertFile != filepath.Join(dir, "cert.pem") ||
		cfg.Sora.KeyFile != filepath.Join(dir, "key.pem") {
		t.Errorf("TLS files %q %q %q", cfg.Sora.CAFile, cfg.Sora.CertFile, cfg.Sora.KeyFile)
	}
	if cfg.Jobs[0].Script != abs || cfg.Jobs[0].ScriptRel != abs {
		t.Errorf("Script %q, ScriptRel %q, want %q", cfg.Jobs[0].Script, cfg.Jobs[0].ScriptRel, abs)
	}
}

func TestHistoryKeepKinds(t *testing.T) {
	cfg, err := Parse([]byte("history: {keep: 50, keep_ok: 10, keep_failed: 200, keep_skipped: 5}\n"+job()), testPath, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HistoryKeep != 50 || cfg.HistoryKeepOK != 10 || cfg.HistoryKeepFailed != 200 || cfg.HistoryKeepSkipped != 5 {
		t.Errorf("history = %d %d %d %d, want 50 10 200 5", cfg.HistoryKeep, cfg.HistoryKeepOK, cfg.HistoryKeepFailed, cfg.HistoryKeepSkipped)
	}
}

func TestHTTPAllow(t *testing.T) {
	src := "defaults: {http: {allow: [crm.example.com]}}\n" + soraHead +
		"  - {name: a, schedule: '@daily', script: scripts/a.lua}\n" +
		"  - {name: b, schedule: '@daily', script: scripts/a.lua, http: {allow: ['127.0.0.1:8080', '*.example.org', crm.example.com]}}\n"
	cfg, err := Parse([]byte(src), testPath, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Job("a").HTTPAllow; !reflect.DeepEqual(got, []string{"crm.example.com"}) {
		t.Errorf("a: %q", got)
	}
	if got := cfg.Job("b").HTTPAllow; !reflect.DeepEqual(got, []string{"crm.example.com", "127.0.0.1:8080", "*.example.org"}) {
		t.Errorf("b: %q", got)
	}
	cfg, err = Parse([]byte(job()), testPath, env(nil))
	if err != nil || cfg.Job("a").HTTPAllow != nil {
		t.Errorf("no http section: %q %v", cfg.Job("a").HTTPAllow, err)
	}
}

func TestIsolation(t *testing.T) {
	src := "defaults: {isolation: process}\n" + soraHead +
		"  - {name: a, schedule: '@daily', script: scripts/a.lua}\n" +
		"  - {name: b, schedule: '@daily', script: scripts/a.lua, memory_limit: 1GiB}\n" +
		"  - {name: c, schedule: '@daily', script: scripts/a.lua, isolation: none}\n" +
		"  - {name: d, schedule: '@daily', script: scripts/a.lua, memory_limit: 300MB}\n"
	cfg, err := Parse([]byte(src), testPath, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		job       string
		isolation string
		limit     int64
	}{{"a", IsolationProcess, 0}, {"b", IsolationProcess, 1 << 30}, {"c", IsolationNone, 0}, {"d", IsolationProcess, 300_000_000}} {
		if j := cfg.Job(tt.job); j.Isolation != tt.isolation || j.MemoryLimit != tt.limit {
			t.Errorf("%s: isolation %q, memory_limit %d; want %q, %d", tt.job, j.Isolation, j.MemoryLimit, tt.isolation, tt.limit)
		}
	}
}
