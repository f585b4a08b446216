package jobs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMaxReplySize checks sora.max_reply_size: sizes with units or a
// number of bytes, and bad values refused with the line and the key.
func TestMaxReplySize(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.lua"), []byte("return 1"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, value string
		want        int64
		err         string
	}{
		{"absent", "", 0, ""},
		{"GiB", "2GiB", 2 << 30, ""},
		{"MiB with a space", "'256 MiB'", 256 << 20, ""},
		{"SI", "500MB", 500_000_000, ""},
		{"bytes", "1048576", 1 << 20, ""},
		{"from the environment", `"${SIZE}"`, 64 << 20, ""},
		{"zero", "0", 0, `jobs.yaml:1: sora.max_reply_size "0": must be more than 0 bytes`},
		{"no unit known", "12parsecs", 0, `jobs.yaml:1: sora.max_reply_size "12parsecs": want a size such as 64MiB, 1GiB or a number of bytes`},
		{"negative", "-1", 0, `jobs.yaml:1: sora.max_reply_size "-1": want a size such as 64MiB`},
		{"a list", "[1]", 0, `jobs.yaml:1: sora.max_reply_size: expected a size such as 256MiB, got a list`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sora := "sora: {url: http://127.0.0.1:3000/}"
			if tt.value != "" {
				sora = "sora: {url: http://127.0.0.1:3000/, max_reply_size: " + tt.value + "}"
			}
			data := []byte(sora + "\njobs:\n  - {name: a, schedule: '@daily', script: a.lua}\n")
			cfg, err := Parse(data, filepath.Join(dir, "jobs.yaml"), func(k string) (string, bool) {
				return "64MiB", k == "SIZE"
			})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Sora.MaxReplySize != tt.want {
				t.Errorf("max_reply_size %d, want %d", cfg.Sora.MaxReplySize, tt.want)
			}
		})
	}
}
