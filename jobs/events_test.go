package jobs

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestEventTriggers(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "w.lua"), []byte("return 1"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := []byte(`sora: {url: http://127.0.0.1:3000/, retry_ambiguous: all}
event_webhook: {username: sora, password: s3cret-pw, queue: 50}
jobs:
  - name: welcome
    on: [connection.created]
    script: w.lua
  - name: both
    schedule: "@hourly"
    on:
      - {type: connection.destroyed, channel_id: "room-*", role: sendrecv}
      - connection.updated
    script: w.lua
`)
	cfg, err := Parse(data, filepath.Join(dir, "jobs.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Sora.RetryAmbiguous != "all" || cfg.EventWebhook != (EventWebhookConfig{Username: "sora", Password: "s3cret-pw", Queue: 50}) {
		t.Errorf("sora %+v, event_webhook %+v", cfg.Sora, cfg.EventWebhook)
	}
	if !reflect.DeepEqual(cfg.Sora.SecretValues, []string{"s3cret-pw"}) {
		t.Errorf("secrets %v: the webhook password is redacted", cfg.Sora.SecretValues)
	}
	w, b := cfg.Job("welcome"), cfg.Job("both")
	if w.HasSchedule() || len(w.NextRuns(time.Now(), 3)) != 0 || !reflect.DeepEqual(w.On, []Trigger{{Type: "connection.created"}}) {
		t.Errorf("welcome: schedule %q, on %+v", w.ScheduleSpec, w.On)
	}
	if !b.HasSchedule() || len(b.NextRuns(time.Now(), 3)) != 3 {
		t.Errorf("both: schedule %q", b.ScheduleSpec)
	}
	for _, tt := range []struct {
		job                *Job
		typ, channel, role string
		want               bool
	}{
		{w, "connection.created", "any", "recvonly", true},
		{w, "connection.destroyed", "any", "recvonly", false},
		{b, "connection.destroyed", "room-1", "sendrecv", true},
		{b, "connection.destroyed", "lobby", "sendrecv", false},
		{b, "connection.destroyed", "room-1", "recvonly", false},
		{b, "connection.updated", "lobby", "recvonly", true},
	} {
		if got := tt.job.RunsOn(tt.typ, tt.channel, tt.role); got != tt.want {
			t.Errorf("%s.RunsOn(%s, %s, %s) = %v", tt.job.Name, tt.typ, tt.channel, tt.role, got)
		}
	}
}
