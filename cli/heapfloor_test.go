package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunHeapFloor runs, as a process of its own, a script that allocates
// some 30 MB it does not keep: with the heap floor the garbage collector
// runs far fewer times (GODEBUG=gctrace=1 prints a line per collection;
// 18 against 42 when written) than with GOGC or GOMEMLIMIT set, which turn
// the floor off.
func TestRunHeapFloor(t *testing.T) {
	script := filepath.Join(t.TempDir(), "garbage.lua")
	err := os.WriteFile(script, []byte(`
local n = 0
for i = 1, 300000 do
  local t = {i, tostring(i), {i}}
  n = n + #t
end
return n`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	collections := func(t *testing.T, env ...string) int {
		t.Helper()
		cmd := mainCommand(t, []string{"run", "--emulator", script},
			append([]string{"GODEBUG=gctrace=1", "GOGC=", "GOMEMLIMIT="}, env...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("soracron run: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "900000") {
			t.Fatalf("the script's result is missing:\n%s", out)
		}
		n := 0
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "gc ") {
				n++
			}
		}
		return n
	}
	floor := collections(t)
	for _, env := range []string{"GOGC=100", "GOMEMLIMIT=1GiB"} {
		t.Run(env, func(t *testing.T) {
			off := collections(t, env)
			t.Logf("collections: %d with the floor, %d with %s", floor, off, env)
			if off < 6 || floor*3 > off*2 {
				t.Errorf("%d collections with the floor, %d with %s: want at most two thirds", floor, off, env)
			}
		})
	}
}
