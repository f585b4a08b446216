package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/sora"
)

func TestVerifyAndIDs(t *testing.T) {
	e := emulator.New(emulator.Options{Logger: slog.New(slog.DiscardHandler)})
	ids := e.Generate("sora", 10)
	srv, err := emulator.Start(e, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := sora.New(sora.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	// Every connection holds bench = v1 except one outside the sample,
	// which holds v0.
	for _, id := range ids {
		if _, err := c.PutItem(context.Background(), "sora", id, "bench", "v1", false); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	sample := filepath.Join(dir, "ids.txt")
	var stdout, stderr strings.Builder
	if code := run([]string{"wait", "-url", srv.URL, "-timeout", "5s"}, &stdout, &stderr); code != 0 {
		t.Fatalf("wait: exit code %d: %s", code, stderr.String())
	}
	if code := run([]string{"ids", "-url", srv.URL, "-sample", "3", "-o", sample}, &stdout, &stderr); code != 0 {
		t.Fatalf("ids: exit code %d: %s", code, stderr.String())
	}
	lines, err := readLines(sample)
	if err != nil || len(lines) != 3 {
		t.Fatalf("ids: %v %v, want 3 ids", lines, err)
	}
	for _, id := range ids {
		if !slices.Contains(lines, id) {
			if _, err := c.PutItem(context.Background(), "sora", id, "bench", "v0", false); err != nil {
				t.Fatal(err)
			}
			break
		}
	}

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOK   bool
		problem  string
	}{
		{"all hold v1 but one", []string{"-value", "v1", "-want", "10"}, 1, false, "bench = v0, want \"v1\""},
		{"sample holds v1", []string{"-value", "v1", "-ids", sample, "-want", "3"}, 0, true, ""},
		{"sample, wrong count", []string{"-value", "v1", "-ids", sample, "-want", "4"}, 1, false, "checked 3 connections, want 4"},
		{"other value", []string{"-value", "v2", "-ids", sample}, 1, false, "want \"v2\""},
		{"missing key", []string{"-key", "other", "-value", "v1", "-ids", sample}, 1, false, "other = <nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := filepath.Join(t.TempDir(), "raw.jsonl")
			args := append([]string{"verify", "-url", srv.URL, "-key", "bench", "-o", raw, "-label", "id=x"}, tt.args...)
			var stdout, stderr strings.Builder
			if code := run(args, &stdout, &stderr); code != tt.wantCode {
				t.Fatalf("exit code %d, want %d: %s", code, tt.wantCode, stderr.String())
			}
			data, err := os.ReadFile(raw)
			if err != nil {
				t.Fatal(err)
			}
			var rec CheckRecord
			if err := json.Unmarshal(data, &rec); err != nil {
				t.Fatal(err)
			}
			if rec.OK != tt.wantOK || rec.Labels["id"] != "x" || !strings.Contains(rec.Problem, tt.problem) {
				t.Errorf("record %s: want ok=%t, problem containing %q", data, tt.wantOK, tt.problem)
			}
		})
	}
}

func TestWaitTimesOut(t *testing.T) {
	var stdout, stderr strings.Builder
	code := run([]string{"wait", "-url", "http://127.0.0.1:1/", "-timeout", "200ms"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "not ready after 200ms") {
		t.Errorf("exit code %d, stderr %q", code, stderr.String())
	}
}
