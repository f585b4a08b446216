package e2e

import (
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestVersionStamped builds soracron as scripts/release does, with the
// version, commit and build time stamped by the linker.
func TestVersionStamped(t *testing.T) {
	const pkg = "github.com/soracron/soracron/cli"
	bin := soracronBinary(t, "-X "+pkg+".version=v9.8.7 -X "+pkg+".revision=0123456789abcdef -X "+pkg+".buildTime=2026-12-07T05:00:00Z")
	want := "soracron v9.8.7\n" +
		"  revision:    0123456789abcdef\n"
	tail := "  build time:  2026-12-07T05:00:00Z\n" +
		"  go:          " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, out, stderr := runBin(t, bin, nil, args...)
		if code != 0 || !strings.HasPrefix(out, want) || !strings.HasSuffix(out, tail) {
			t.Errorf("%v: exit %d, output:\n%s\nwant it to start with\n%s\nand end with\n%s(stderr %s)", args, code, out, want, tail, stderr)
		}
	}
}

// TestVersionFromBuildInfo builds soracron as a user does from a checkout
// and checks that `soracron version` says what the toolchain embedded:
// the module version and, when Go stamped VCS information (a git checkout
// whose .git is a directory, -buildvcs not false), the commit, which must
// then be the checkout's HEAD.
func TestVersionFromBuildInfo(t *testing.T) {
	bin := soracronBinary(t, "")
	code, out, _ := runBin(t, bin, nil, "version")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	m, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	var modVersion string
	for _, line := range strings.Split(string(m), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "mod":
			modVersion = f[2]
		case len(f) >= 2 && f[0] == "build":
			k, v, _ := strings.Cut(strings.Join(f[1:], " "), "=")
			settings[k] = v
		}
	}
	if !strings.HasPrefix(out, "soracron "+modVersion+"\n") {
		t.Errorf("first line of\n%s\nwant soracron %s", out, modVersion)
	}
	rev := settings["vcs.revision"]
	if rev == "" {
		if modVersion != "(devel)" || !strings.Contains(out, "revision:    unknown (built without VCS information)") {
			t.Errorf("no VCS information in the build, but the output says:\n%s", out)
		}
		t.Logf("this build has no VCS information (GOFLAGS=%q, or .git is not a directory); checked the (devel) form", settings["GOFLAGS"])
		return
	}
	head, err := exec.Command("git", "-C", "..", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	wantRev := rev
	if settings["vcs.modified"] == "true" {
		wantRev += " (modified)"
	}
	if strings.TrimSpace(string(head)) != rev || !strings.Contains(out, "  revision:    "+wantRev+"\n") ||
		!strings.Contains(out, "  commit time: "+settings["vcs.time"]+"\n") {
		t.Errorf("HEAD %s, build info %v, output:\n%s", head, settings, out)
	}
}
