package jobs

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// errorLines returns the messages of err with testPath shown as jobs.yaml.
func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(strings.ReplaceAll(err.Error(), testPath, "jobs.yaml"), "\n")
}

const soraHead = "sora: {url: http://127.0.0.1:3000/}\njobs:\n"

// job builds a one-job file; the job is on line 3 and extra lines follow.
func job(extra ...string) string {
	s := soraHead + "  - name: a\n    schedule: \"*/5 * * * *\"\n    script: scripts/a.lua\n"
	for _, e := range extra {
		s += "    " + e + "\n"
	}
	return s
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown top-level key", "timezon: UTC\n" + job(),
			[]string{`jobs.yaml:1: top level: unknown key "timezon" (did you mean "timezone"?)`}},
		{"unknown job key", job("timout: 1m"),
			[]string{`jobs.yaml:6: job "a": unknown key "timout" (did you mean "timeout"?)`}},
		{"unknown sora key", "sora: {url: http://h/, token: x}\njobs: [{name: a, schedule: '@daily', script: scripts/a.lua}]\n",
			[]string{`jobs.yaml:1: sora: unknown key "token"`}},
		{"unknown retries key", job("retries: {max: 1, delay: 1s}"),
			[]string{`jobs.yaml:6: job "a": retries: unknown key "delay"`}},
		{"duplicate key", job("timeout: 1m", "timeout: 2m"),
			[]string{`jobs.yaml:7: job "a": duplicate key "timeout" (first at line 6)`}},
		{"wrong type", job("timeout: [1m]"),
			[]string{`jobs.yaml:6: job "a": timeout: expected a duration such as "30s", got a list`}},
		{"bool as string", job("enabled: \"yes\""),
			[]string{`jobs.yaml:6: job "a": enabled: expected true or false, got a string`}},
		{"name not a string", soraHead + "  - {name: 123, schedule: '@daily', script: scripts/a.lua}\n",
			[]string{`jobs.yaml:3: job #1: name: expected a string, got an integer (quote it: "123")`}},
		{"args not a mapping", job("args: [1, 2]"),
			[]string{`jobs.yaml:6: job "a": args: expected a mapping, got a list`}},
		{"duplicate job name", job() + "  - {name: a, schedule: '@daily', script: scripts/b.lua}\n",
			[]string{`jobs.yaml:6: job "a": duplicate job name (first defined at line 3)`}},
		{"missing schedule", soraHead + "  - name: a\n    script: scripts/a.lua\n",
			[]string{`jobs.yaml:3: job "a": missing "schedule" or "on" (a job runs on a schedule, on events, or both)`}},
		{"unknown event type", job("on: [connection.create]"),
			[]string{`jobs.yaml:6: job "a": on[0]: unknown event type "connection.create" (did you mean "connection.created"?); known: connection.created, connection.updated, connection.destroyed, recording.started, recording.report`}},
		{"bad event role", job("on: [{type: connection.created, role: admin}]"),
			[]string{`jobs.yaml:6: job "a": on[0].role "admin": must be sendrecv, sendonly or recvonly`}},
		{"event without type", job("on: [{channel_id: room-*}]"),
			[]string{`jobs.yaml:6: job "a": on[0]: missing "type" (an event type such as connection.created)`}},
		{"on not a list", job("on: connection.created"),
			[]string{`jobs.yaml:6: job "a": on: expected a list of event types such as [connection.created], got a string`}},
		{"on in defaults", "sora: {url: http://127.0.0.1:3000/}\ndefaults: {on: [connection.created]}\njobs:\n  - {name: a, schedule: '@daily', script: scripts/a.lua}\n",
			[]string{`jobs.yaml:2: defaults: "on" can only be set per job`}},
		{"bad retry_ambiguous", "sora: {url: http://127.0.0.1:3000/, retry_ambiguous: sometimes}\njobs:\n  - {name: a, schedule: '@daily', script: scripts/a.lua}\n",
			[]string{`jobs.yaml:1: sora.retry_ambiguous "sometimes": must be auto, all or none`}},
		{"webhook password alone", "sora: {url: http://127.0.0.1:3000/}\nevent_webhook: {password: x}\njobs:\n  - {name: a, schedule: '@daily', script: scripts/a.lua}\n",
			[]string{`jobs.yaml:2: event_webhook: username and password must be given together`}},
		{"missing name and script", soraHead + "  - schedule: '@daily'\n",
			[]string{`jobs.yaml:3: job #1: missing "name"`, `jobs.yaml:3: job #1: missing "script"`}},
		{"too few fields", soraHead + "  - name: mark-busy\n    script: scripts/a.lua\n    schedule: \"*/5 * *\"\n",
			[]string{`jobs.yaml:5: job "mark-busy": schedule "*/5 * *": expected 5 or 6 fields`}},
		{"too many fields", soraHead + "  - {name: a, script: scripts/a.lua, schedule: '0 0 0 1 1 * 2025'}\n",
			[]string{`jobs.yaml:3: job "a": schedule "0 0 0 1 1 * 2025": expected 5 or 6 fields`}},
		{"empty schedule", soraHead + "  - {name: a, script: scripts/a.lua, schedule: ''}\n",
			[]string{`jobs.yaml:3: job "a": schedule "": is empty`}},
		{"field out of range", soraHead + "  - {name: a, script: scripts/a.lua, schedule: '61 * * * *'}\n",
			[]string{`jobs.yaml:3: job "a": schedule "61 * * * *": end of range (61) above maximum (59): 61`}},
		{"bad field", soraHead + "  - {name: a, script: scripts/a.lua, schedule: '*/x * * * *'}\n",
			[]string{`jobs.yaml:3: job "a": schedule "*/x * * * *": failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax`}},
		{"never fires", soraHead + "  - {name: a, script: scripts/a.lua, schedule: '0 0 31 4 *'}\n",
			[]string{`jobs.yaml:3: job "a": schedule "0 0 31 4 *": never fires (no such date)`}},
		{"TZ prefix", soraHead + "  - {name: a, script: scripts/a.lua, schedule: 'TZ=UTC 0 * * * *'}\n",
			[]string{`jobs.yaml:3: job "a": schedule "TZ=UTC 0 * * * *": time zone prefixes (TZ=, CRON_TZ=) are not supported; use the "timezone" key`}},
		{"bare TZ= (panics robfig/cron)", soraHead + "  - {name: a, script: scripts/a.lua, schedule: 'TZ='}\n",
			[]string{`jobs.yaml:3: job "a": schedule "TZ=": time zone prefixes (TZ=, CRON_TZ=) are not supported; use the "timezone" key`}},
		{"CRON_TZ prefix", soraHead + "  - {name: a, script: scripts/a.lua, schedule: 'CRON_TZ=Asia/Tokyo @daily'}\n",
			[]string{`jobs.yaml:3: job "a": schedule "CRON_TZ=Asia/Tokyo @daily": time zone prefixes (TZ=, CRON_TZ=) are not supported; use the "timezone" key`}},
		{"unknown descriptor", soraHead + "  - {name: a, script: scripts/a.lua, schedule: '@fortnightly'}\n",
			[]string{`jobs.yaml:3: job "a": schedule "@fortnightly": unknown descriptor "@fortnightly" (use @yearly, @monthly, @weekly, @daily, @hourly or @every <duration>)`}},
		{"descriptor with extra text", soraHead + "  - {name: a, script: scripts/a.lua, schedule: '@daily 5'}\n",
			[]string{`jobs.yaml:3: job "a": schedule "@daily 5": unexpected "5" after @daily`}},
		{"every below a second", soraHead + "  - {name: a, script: scripts/a.lua, schedule: '@every 500ms'}\n",
			[]string{`jobs.yaml:3: job "a": schedule "@every 500ms": the interval must be at least 1s`}},
		{"every fraction", soraHead + "  - {name: a, script: scripts/a.lua, schedule: '@every 1.5s'}\n",
			[]string{`jobs.yaml:3: job "a": schedule "@every 1.5s": the interval must be a whole number of seconds`}},
		{"every bad duration", soraHead + "  - {name: a, script: scripts/a.lua, schedule: '@every soon'}\n",
			[]string{`jobs.yaml:3: job "a": schedule "@every soon": invalid duration "soon" (use a number with a unit: s, m, h, e.g. "@every 1m30s")`}},
		{"every without duration", soraHead + "  - {name: a, script: scripts/a.lua, schedule: '@every'}\n",
			[]string{`jobs.yaml:3: job "a": schedule "@every": expected "@every <duration>", e.g. "@every 30s"`}},
		{"isolation unknown", job("isolation: container"),
			[]string{`jobs.yaml:6: job "a": isolation "container": must be none or process`}},
		{"memory_limit not a size", job("isolation: process", "memory_limit: lots"),
			[]string{`jobs.yaml:7: job "a": memory_limit "lots": expected a size such as "256MiB" or "1GiB"`}},
		{"memory_limit too small", job("isolation: process", "memory_limit: 1MiB"),
			[]string{`jobs.yaml:7: job "a": memory_limit "1MiB": must be at least 16MiB`}},
		{"memory_limit without isolation", job("memory_limit: 256MiB"),
			[]string{`jobs.yaml:6: job "a": memory_limit needs isolation: process (a run in the daemon's process cannot be limited)`}},
		{"http not a mapping", job("http: [crm.example.com]"),
			[]string{`jobs.yaml:6: job "a": http: expected a mapping, got a list`}},
		{"http unknown key", job("http: {allowed: [crm.example.com]}"),
			[]string{`jobs.yaml:6: job "a": http: unknown key "allowed" (did you mean "allow"?)`}},
		{"http allow not a list", job("http: {allow: crm.example.com}"),
			[]string{`jobs.yaml:6: job "a": http.allow: expected a list of hosts, got a string`}},
		{"http allow URL", job("http: {allow: ['https://crm.example.com/api']}"),
			[]string{`jobs.yaml:6: job "a": http.allow[0] "https://crm.example.com/api": is not a host name (no scheme, path or user) (write crm.example.com, 127.0.0.1:8080 or *.example.com)`}},
		{"http allow bad port", job("http: {allow: [ok.example.com, 'h:99999']}"),
			[]string{`jobs.yaml:6: job "a": http.allow[1] "h:99999": has an invalid port (write crm.example.com, 127.0.0.1:8080 or *.example.com)`}},
		{"http allow inner wildcard", job("http: {allow: ['a.*.com']}"),
			[]string{`jobs.yaml:6: job "a": http.allow[0] "a.*.com": has a '*' elsewhere than in a leading "*." (write crm.example.com, 127.0.0.1:8080 or *.example.com)`}},
		{"bad duration", job("timeout: 5x"),
			[]string{`jobs.yaml:6: job "a": timeout "5x": invalid duration (use a number with a unit: ms, s, m, h, e.g. "1m30s")`}},
		{"negative duration", job("timeout: -1s"),
			[]string{`jobs.yaml:6: job "a": timeout "-1s": must not be negative`}},
		{"zero timeout", job("timeout: 0s"),
			[]string{`jobs.yaml:6: job "a": timeout "0s": must be positive`}},
		{"duration without unit", job("timeout: 30"),
			[]string{`jobs.yaml:6: job "a": timeout 30: a duration needs a unit, e.g. "30s"`}},
		{"negative backoff", job("retries: {backoff: -5s}"),
			[]string{`jobs.yaml:6: job "a": retries.backoff "-5s": must not be negative`}},
		{"missing script", soraHead + "  - {name: a, schedule: '@daily', script: scripts/missing.lua}\n",
			[]string{`jobs.yaml:3: job "a": script "scripts/missing.lua": file not found (paths are relative to the directory of the jobs file)`}},
		{"script is a directory", soraHead + "  - {name: a, schedule: '@daily', script: scripts}\n",
			[]string{`jobs.yaml:3: job "a": script "scripts": is a directory`}},
		{"unknown timezone", job("timezone: Asia/Tokio"),
			[]string{`jobs.yaml:6: job "a": timezone "Asia/Tokio": unknown time zone (use an IANA name such as "Asia/Tokyo", "UTC" or "Local")`}},
		{"empty timezone", "timezone: \"\"\n" + job(),
			[]string{`jobs.yaml:1: timezone is empty (leave the key out to use the host's time zone)`}},
		{"null timezone", job("timezone:"),
			[]string{`jobs.yaml:6: job "a": timezone: expected a string, got null`}},
		{"invalid concurrency_policy", job("concurrency_policy: skip"),
			[]string{`jobs.yaml:6: job "a": concurrency_policy "skip": must be forbid, allow or replace`}},
		{"negative concurrency", job("concurrency: -1"),
			[]string{`jobs.yaml:6: job "a": concurrency -1: must not be negative`}},
		{"zero concurrency", job("concurrency: 0"),
			[]string{`jobs.yaml:6: job "a": concurrency 0: must be at least 1`}},
		{"huge concurrency", job("concurrency: 99999999999"),
			[]string{`jobs.yaml:6: job "a": concurrency 99999999999: out of range`}},
		{"negative retries", job("retries: {max: -2}"),
			[]string{`jobs.yaml:6: job "a": retries.max -2: must not be negative`}},
		{"negative sora retries", "sora: {url: http://h/, retries: -1}\njobs: [{name: a, schedule: '@daily', script: scripts/a.lua}]\n",
			[]string{`jobs.yaml:1: sora.retries -1: must not be negative`}},
		{"zero history", "history: {keep: 0}\n" + job(),
			[]string{`jobs.yaml:1: history.keep 0: must be at least 1`}},
		{"zero keep_skipped", "history: {keep_skipped: 0, keep_failed: x}\n" + job(),
			[]string{`jobs.yaml:1: history.keep_failed: expected an integer, got a string`, `jobs.yaml:1: history.keep_skipped 0: must be at least 1`}},
		{"history typo", "history: {keep_skiped: 3}\n" + job(),
			[]string{`jobs.yaml:1: history: unknown key "keep_skiped" (did you mean "keep_skipped"?)`}},
		{"empty name", soraHead + "  - {name: '', schedule: '@daily', script: scripts/a.lua}\n",
			[]string{`jobs.yaml:3: job #1: name is empty`}},
		{"name with a space", soraHead + "  - {name: 'mark busy', schedule: '@daily', script: scripts/a.lua}\n",
			[]string{`jobs.yaml:3: job "mark busy": name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (it appears in URLs)`}},
		{"name with a slash", soraHead + "  - {name: 'a/b', schedule: '@daily', script: scripts/a.lua}\n",
			[]string{`jobs.yaml:3: job "a/b": name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (it appears in URLs)`}},
		{"name starting with a dot", soraHead + "  - {name: '.a', schedule: '@daily', script: scripts/a.lua}\n",
			[]string{`jobs.yaml:3: job ".a": name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (it appears in URLs)`}},
		{"name too long", soraHead + "  - {name: " + strings.Repeat("x", 65) + ", schedule: '@daily', script: scripts/a.lua}\n",
			[]string{`jobs.yaml:3: job "` + strings.Repeat("x", 65) + `": name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (it appears in URLs)`}},
		{"defaults with a job-only key", "defaults: {timeout: 1m, schedule: '@daily'}\n" + job(),
			[]string{`jobs.yaml:1: defaults: "schedule" can only be set per job`}},
		{"bad default", "defaults: {concurrency_policy: never}\n" + job(),
			[]string{`jobs.yaml:1: defaults.concurrency_policy "never": must be forbid, allow or replace`}},
		{"missing sora", "jobs: [{name: a, schedule: '@daily', script: scripts/a.lua}]\n",
			[]string{`jobs.yaml:1: missing "sora" section (at least sora.url)`}},
		{"missing url", "sora: {timeout: 1s}\njobs: [{name: a, schedule: '@daily', script: scripts/a.lua}]\n",
			[]string{`jobs.yaml:1: sora: missing "url"`}},
		{"bad url", "sora: {url: 'ftp://h/'}\njobs: [{name: a, schedule: '@daily', script: scripts/a.lua}]\n",
			[]string{`jobs.yaml:1: sora.url "ftp://h/": expected an http:// or https:// URL with a host`}},
		{"zero sora timeout", "sora: {url: 'http://h/', timeout: 0s}\njobs: [{name: a, schedule: '@daily', script: scripts/a.lua}]\n",
			[]string{`jobs.yaml:1: sora.timeout "0s": must be positive`}},
		{"cert without key", "sora: {url: 'https://h/', cert_file: scripts/a.lua}\njobs: [{name: a, schedule: '@daily', script: scripts/a.lua}]\n",
			[]string{`jobs.yaml:1: sora: cert_file and key_file must be given together`}},
		{"missing ca file", "sora: {url: 'https://h/', ca_file: ca.pem}\njobs: [{name: a, schedule: '@daily', script: scripts/a.lua}]\n",
			[]string{`jobs.yaml:1: sora.ca_file "ca.pem": file not found (paths are relative to the directory of the jobs file)`}},
		{"bad header name", "sora: {url: 'http://h/', headers: {'X Bad': v}}\njobs: [{name: a, schedule: '@daily', script: scripts/a.lua}]\n",
			[]string{`jobs.yaml:1: sora.headers: "X Bad" is not a valid header name`}},
		{"args with a leading zero", job("args: {zip: 0123}"),
			[]string{`jobs.yaml:6: job "a": args.zip: 0123: ambiguous number with a leading zero (quote it for a string)`}},
		{"args infinity", job("args: {x: [1, .inf]}"),
			[]string{`jobs.yaml:6: job "a": args.x[1]: .inf is not a valid JSON number`}},
		{"args custom tag", job("args: {x: !thing 1}"),
			[]string{`jobs.yaml:6: job "a": args.x: unsupported value a value tagged !thing (use a string, number, boolean, null, list or mapping)`}},
		{"args self-referencing anchor", job("args: &x {a: *x}"),
			[]string{`jobs.yaml:6: job "a": args` + strings.Repeat(".a", 65) + `: nested deeper than 64 levels`}},
		{"merge key", "defaults: &d {timeout: 1m}\n" + job("<<: *d"),
			[]string{`jobs.yaml:7: job "a": merge keys (<<) are not supported; use the defaults section`}},
		{"several errors in several jobs",
			soraHead + "  - {name: a, schedule: '* *', script: scripts/a.lua}\n  - {name: b, schedule: '@daily', script: nope.lua, timeout: 1y}\n  - {name: a, schedule: '@daily', script: scripts/a.lua}\n",
			[]string{
				`jobs.yaml:3: job "a": schedule "* *": expected 5 or 6 fields`,
				`jobs.yaml:4: job "b": timeout "1y": invalid duration (use a number with a unit: ms, s, m, h, e.g. "1m30s")`,
				`jobs.yaml:4: job "b": script "nope.lua": file not found (paths are relative to the directory of the jobs file)`,
				`jobs.yaml:5: job "a": duplicate job name (first defined at line 3)`,
			}},
		{"empty file", "", []string{`jobs.yaml: file is empty (it needs a sora section and a jobs list)`}},
		{"blank file", " \n\t\n", []string{`jobs.yaml: file is empty (it needs a sora section and a jobs list)`}},
		{"only comments", "# nothing yet\n", []string{`jobs.yaml: file has no content (it needs a sora section and a jobs list)`}},
		{"no jobs key", "sora: {url: http://h/}\n", []string{`jobs.yaml:1: no jobs defined (add a "jobs:" list)`}},
		{"empty jobs list", "sora: {url: http://h/}\njobs: []\n", []string{`jobs.yaml:2: no jobs defined (the "jobs:" list is empty)`}},
		{"null jobs", "sora: {url: http://h/}\njobs:\n", []string{`jobs.yaml:2: no jobs defined (the "jobs:" list is empty)`}},
		{"jobs not a list", "sora: {url: http://h/}\njobs: {a: 1}\n", []string{`jobs.yaml:2: jobs: expected a list of jobs, got a mapping`}},
		{"job not a mapping", soraHead + "  - mark-busy\n", []string{`jobs.yaml:3: job #1: expected a mapping, got a string`}},
		{"top level not a mapping", "- a\n- b\n", []string{`jobs.yaml:1: top level: expected a mapping, got a list`}},
		{"invalid YAML", "sora: {url: http://h/}\n\tjobs: []\n",
			[]string{`jobs.yaml:2: invalid YAML: found character that cannot start any token`}},
		{"Latin-1 byte in a value", "sora: {url: http://h/}\njobs:\n  - {name: a, args: {k: \"caf\xe9\"}}\n",
			[]string{`jobs.yaml:3: invalid UTF-8 byte 0xe9 at column 29: the file must be UTF-8 text (was it saved as Latin-1 or Shift_JIS?)`}},
		{"invalid byte in a comment", "# \xff\xfe\nsora: {url: http://h/}\n",
			[]string{`jobs.yaml:1: invalid UTF-8 byte 0xff at column 3: the file must be UTF-8 text (was it saved as Latin-1 or Shift_JIS?)`}},
		{"truncated multibyte at the end", "sora: {url: http://h/}\njobs: []\n# \xe6\x97",
			[]string{`jobs.yaml:3: invalid UTF-8 byte 0xe6 at column 3: the file must be UTF-8 text (was it saved as Latin-1 or Shift_JIS?)`}},
		{"Shift_JIS key", "sora: {url: http://h/}\n\x83\x65: 1\n",
			[]string{`jobs.yaml:2: invalid UTF-8 byte 0x83 at column 1: the file must be UTF-8 text (was it saved as Latin-1 or Shift_JIS?)`}},
		{"two documents", job() + "---\nsora: {}\n", []string{`jobs.yaml:7: a second YAML document (after ---) is not supported`}},
		{"huge file", "# " + strings.Repeat("x", 4<<20) + "\n",
			[]string{`jobs.yaml: file is larger than 4 MiB; refusing to parse it`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.src), testPath, env(nil))
			if err == nil {
				t.Fatalf("no error; config %+v", cfg)
			}
			if cfg != nil {
				t.Errorf("config %+v returned with an error", cfg)
			}
			if got := errorLines(err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			ces := ConfigErrors(err)
			if len(ces) != len(tt.want) {
				t.Fatalf("%d ConfigErrors, want %d", len(ces), len(tt.want))
			}
			for _, ce := range ces {
				if ce.File != testPath {
					t.Errorf("File = %q, want %q", ce.File, testPath)
				}
			}
		})
	}
}

func TestConfigErrorFields(t *testing.T) {
	_, err := Parse([]byte(soraHead+"  - name: mark-busy\n    script: scripts/a.lua\n    schedule: \"*/5 * *\"\n"), testPath, env(nil))
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *ConfigError", err)
	}
	want := ConfigError{File: testPath, Line: 5, Job: "mark-busy", Msg: `schedule "*/5 * *": expected 5 or 6 fields`}
	if *ce != want {
		t.Errorf("ConfigError = %+v, want %+v", *ce, want)
	}
}
