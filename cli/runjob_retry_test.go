package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// TestRunJobRetryAmbiguous checks that run --job honours --retry-ambiguous
// (and its variable): a 502 after which a list may have been applied is
// retried under auto, not under none.
func TestRunJobRetryAmbiguous(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	dir := t.TempDir()
	writeScript(t, dir, "list.lua", `return assert(require("sora").list("sora"))`)
	jobs := filepath.Join(dir, "jobs.yaml")
	yaml := fmt.Sprintf("sora: {url: %q, retries: 2}\njobs:\n  - {name: list, schedule: \"@yearly\", script: list.lua}\n", srv.URL+"/")
	if err := os.WriteFile(jobs, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want int32
	}{
		{"auto retries a read", nil, nil, 3},
		{"none does not", nil, []string{"--retry-ambiguous", "none"}, 1},
		{"nor by its variable", map[string]string{"SORACRON_RETRY_AMBIGUOUS": "none"}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n.Store(0)
			code, _, stderr := runCLI(t, context.Background(), tt.env, append([]string{"run", "--job", "list", "-c", jobs}, tt.args...)...)
			if code != 1 || n.Load() != tt.want {
				t.Errorf("exit %d after %d requests, want exit 1 after %d:\n%s", code, n.Load(), tt.want, stderr)
			}
		})
	}
}
