package main

import (
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/soracron/soracron/emulator"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		conns    int
		conc     int
		channel  string
		wantCode int
	}{
		{name: "sequential", conns: 5, conc: 1, channel: "sora"},
		{name: "concurrent", conns: 50, conc: 16, channel: "sora"},
		{name: "more workers than connections", conns: 3, conc: 64, channel: "sora"},
		{name: "empty channel", conns: 2, conc: 4, channel: "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := emulator.New(emulator.Options{Logger: slog.New(slog.DiscardHandler)})
			ids := e.Generate("sora", tt.conns)
			srv, err := emulator.Start(e, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			var stdout, stderr strings.Builder
			code := run([]string{"-url", srv.URL, "-channel", tt.channel, "-key", "k", "-value", "v1",
				"-concurrency", strconv.Itoa(tt.conc)}, &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d: %s", code, tt.wantCode, stderr.String())
			}
			var rep Report
			if err := json.Unmarshal([]byte(stdout.String()), &rep); err != nil {
				t.Fatalf("stdout %q: %v", stdout.String(), err)
			}
			want := tt.conns
			if tt.channel != "sora" {
				want = 0
			}
			if rep.Writes != int64(want) || rep.Failed != 0 || rep.Connections != want {
				t.Errorf("report %+v, want %d writes", rep, want)
			}
			for _, id := range ids {
				md, _ := e.Metadata("sora", id)
				if got := md["k"]; (tt.channel == "sora") != (got == "v1") {
					t.Errorf("connection %s: k = %v", id, got)
				}
			}
		})
	}
}

func TestRunFailures(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no url", []string{"-value", "v"}, 2, "need -url"},
		{"bad concurrency", []string{"-url", "http://127.0.0.1:1/", "-value", "v", "-concurrency", "0"}, 2, "need -url"},
		{"unreachable", []string{"-url", "http://127.0.0.1:1/", "-value", "v"}, 1, "goclient: list:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			if code := run(tt.args, &stdout, &stderr); code != tt.wantCode {
				t.Fatalf("exit code %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr %q, want %q", stderr.String(), tt.wantErr)
			}
		})
	}
}
