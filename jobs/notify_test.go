package jobs

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestNotify(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "w.lua"), []byte("return 1"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(k string) (string, bool) {
		return map[string]string{"HOOK": "T0P-s3cret-path", "TOK": "tok-s3cret"}[k], true
	}
	parse := func(body string) (*Config, error) {
		return Parse([]byte("sora: {url: http://127.0.0.1:3000/}\n"+body), filepath.Join(dir, "jobs.yaml"), env)
	}
	cfg, err := parse(`notify:
  base_url: https://cron.example.com/
  webhooks:
    - url: https://hooks.example.com/${HOOK}
jobs:
  - name: a
    schedule: "@hourly"
    script: w.lua
    notify:
      webhooks:
        - {url: "http://127.0.0.1:9/x", headers: {X-Token: "${TOK}"}, on: [failed, recovered]}
`)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Notify.BaseURL != "https://cron.example.com" || len(cfg.Notify.Webhooks) != 1 ||
		cfg.Notify.Webhooks[0].URL != "https://hooks.example.com/T0P-s3cret-path" ||
		!reflect.DeepEqual(cfg.Notify.Webhooks[0].On, NotifyEvents) {
		t.Errorf("notify = %+v %+v", cfg.Notify, cfg.Notify.Webhooks[0])
	}
	a := cfg.Job("a")
	if len(a.Notify) != 1 || a.Notify[0].Headers["X-Token"] != "tok-s3cret" || !a.Notify[0].Wants("recovered") || a.Notify[0].Wants("missed") {
		t.Errorf("job notify = %+v", a.Notify)
	}
	for _, secret := range []string{"T0P-s3cret-path", "tok-s3cret"} {
		if !slices.Contains(cfg.Sora.SecretValues, secret) {
			t.Errorf("secret %q is not redacted: %v", secret, cfg.Sora.SecretValues)
		}
	}

	for _, tc := range []struct{ name, body, want string }{
		{"bad event", "notify: {webhooks: [{url: 'http://h/', on: [failure]}]}\n", `jobs.yaml:2: notify.webhooks[0].on[0]: unknown event "failure"`},
		{"no url", "notify: {webhooks: [{on: [failed]}]}\n", `notify.webhooks[0]: missing url`},
		{"bad url", "notify: {webhooks: [{url: 'ftp://h/'}]}\n", `notify.webhooks[0].url: want an http or https URL`},
		{"bad base_url", "notify: {base_url: cron}\n", `notify.base_url "cron"`},
		{"unknown key", "notify: {hooks: []}\n", `hooks`},
		{"in defaults", "defaults: {notify: {webhooks: []}}\n", `defaults: "notify" can only be set per job`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(tc.body + "jobs:\n  - {name: a, schedule: '@hourly', script: w.lua}\n")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
}
