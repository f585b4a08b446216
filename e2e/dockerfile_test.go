package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// dockerStage is what the test reads of one stage of the Dockerfile.
type dockerStage struct {
	from             string
	env              []string
	user, stopSignal string
	volumes          []string
	entrypoint, cmd  []string
	healthcheck      []string
	healthcheckOpts  string
	copies           [][]string // each: [--from=X?] src... dest
	runs             []string
}

// parseDockerfile reads the instructions of each stage (lines joined at a
// trailing backslash, comments dropped). ENTRYPOINT, CMD and HEALTHCHECK
// must be in JSON (exec) form: a shell form would need a shell, which the
// run stage does not have.
func parseDockerfile(t *testing.T, path string) []*dockerStage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var stages []*dockerStage
	var cur *dockerStage
	var logical []string
	var buf strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && buf.Len() == 0) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			buf.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		buf.WriteString(trimmed)
		logical = append(logical, buf.String())
		buf.Reset()
	}
	jsonArgs := func(instr, rest string) []string {
		var v []string
		if err := json.Unmarshal([]byte(rest), &v); err != nil {
			t.Fatalf("%s %s: not the JSON (exec) form: %v", instr, rest, err)
		}
		return v
	}
	for _, l := range logical {
		instr, rest, _ := strings.Cut(l, " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(instr) {
		case "FROM":
			cur = &dockerStage{from: rest}
			stages = append(stages, cur)
		case "ARG":
		case "ENV":
			cur.env = append(cur.env, strings.Fields(rest)...)
		case "USER":
			cur.user = rest
		case "STOPSIGNAL":
			cur.stopSignal = rest
		case "VOLUME":
			cur.volumes = jsonArgs(instr, rest)
		case "ENTRYPOINT":
			cur.entrypoint = jsonArgs(instr, rest)
		case "CMD":
			cur.cmd = jsonArgs(instr, rest)
		case "HEALTHCHECK":
			opts, cmd, ok := strings.Cut(rest, "CMD ")
			if !ok {
				t.Fatalf("HEALTHCHECK without CMD: %s", rest)
			}
			cur.healthcheckOpts = opts
			cur.healthcheck = jsonArgs(instr, strings.TrimSpace(cmd))
		case "COPY":
			cur.copies = append(cur.copies, strings.Fields(rest))
		case "RUN":
			cur.runs = append(cur.runs, rest)
		case "WORKDIR", "EXPOSE", "LABEL":
		default:
			t.Fatalf("Dockerfile: instruction %s is not understood by this test", instr)
		}
	}
	return stages
}

// TestDockerfile runs the image as Docker would, without Docker: the run
// stage's files are laid out under a temporary root (the files COPY takes
// from the checkout, the binary the build stage makes, built here), the
// ENTRYPOINT and CMD run with the ENV (paths moved under the root), the
// HEALTHCHECK command must report healthy, and STOPSIGNAL must stop it
// with exit 0 within SORACRON_SHUTDOWN_TIMEOUT, which must be below
// Docker's default stop timeout (10 s).
func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t, "../Dockerfile")
	if len(stages) != 2 {
		t.Fatalf("%d stages, want build and run", len(stages))
	}
	build, run := stages[0], stages[1]
	if !strings.Contains(strings.Join(build.runs, "\n"), "scripts/build-static /out/soracron") {
		t.Errorf("the build stage does not build with scripts/build-static (what CI checks): %q", build.runs)
	}
	if run.user == "" || run.user == "root" || strings.HasPrefix(run.user, "0") {
		t.Errorf("USER %q: the image must not run as root", run.user)
	}
	if run.stopSignal != "SIGTERM" {
		t.Errorf("STOPSIGNAL %q, want SIGTERM", run.stopSignal)
	}
	if run.healthcheck == nil || run.entrypoint == nil || run.cmd == nil {
		t.Fatalf("HEALTHCHECK %q, ENTRYPOINT %q, CMD %q: all are needed", run.healthcheck, run.entrypoint, run.cmd)
	}

	root := t.TempDir()
	at := func(p string) string { return filepath.Join(root, p) }
	bin := soracronBinary(t, "")
	for _, c := range run.copies {
		var from string
		args := []string{}
		for _, a := range c {
			switch {
			case strings.HasPrefix(a, "--from="):
				from = strings.TrimPrefix(a, "--from=")
			case strings.HasPrefix(a, "--"):
			default:
				args = append(args, a)
			}
		}
		patterns, dest := args[:len(args)-1], args[len(args)-1]
		var srcs []string
		for _, p := range patterns {
			if from != "" {
				srcs = append(srcs, p)
				continue
			}
			matches, err := filepath.Glob(filepath.Join("..", p))
			if err != nil || len(matches) == 0 {
				t.Fatalf("COPY %s: no such file in the checkout (%v)", p, err)
			}
			for _, m := range matches {
				srcs = append(srcs, strings.TrimPrefix(filepath.ToSlash(m), "../"))
			}
		}
		for _, src := range srcs {
			target := dest
			if strings.HasSuffix(dest, "/") {
				target = filepath.Join(dest, filepath.Base(src))
			}
			switch {
			case from != "" && src == "/out/soracron":
				copyFile(t, bin, at(target), 0o755)
			case from != "":
				if err := os.MkdirAll(at(target), 0o755); err != nil {
					t.Fatal(err)
				}
			default:
				copyFile(t, filepath.Join("..", src), at(target), 0o644)
			}
		}
	}

	// The address is the one thing moved: port 8080 may be taken on the
	// test machine. It is set as the Dockerfile tells users to, by variable,
	// so the health check follows it.
	addr := freeAddr(t)
	env := []string{"SORACRON_LISTEN=" + addr}
	var shutdown time.Duration
	var state string
	for _, kv := range run.env {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(v, "/") {
			v = at(v)
		}
		switch k {
		case "SORACRON_SHUTDOWN_TIMEOUT":
			d, err := time.ParseDuration(v)
			if err != nil {
				t.Fatal(err)
			}
			shutdown = d
		case "SORACRON_STATE":
			state = v
		}
		env = append(env, k+"="+v)
	}
	// Every SORACRON_ variable of the image must set a flag of the command.
	_, help, _ := runBin(t, bin, nil, append(append([]string{}, run.cmd...), "--help")...)
	for _, kv := range run.env {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "SORACRON_") && !strings.Contains(help, "[$"+k+"]") {
			t.Errorf("ENV %s: soracron %s has no flag it sets", k, run.cmd[0])
		}
	}
	if shutdown == 0 || shutdown >= 10*time.Second {
		t.Errorf("SORACRON_SHUTDOWN_TIMEOUT %s: set it below Docker's default stop timeout of 10s", shutdown)
	}
	inVolume := false
	for _, v := range run.volumes {
		inVolume = inVolume || strings.HasPrefix(state, at(v)+"/")
	}
	if !inVolume {
		t.Errorf("SORACRON_STATE %s is not under a VOLUME %q", state, run.volumes)
	}
	mapArgs := func(args []string) []string {
		out := make([]string, len(args))
		for i, a := range args {
			if strings.HasPrefix(a, "/") {
				a = at(a)
			}
			out[i] = a
		}
		return out
	}
	argv := mapArgs(append(append([]string{}, run.entrypoint...), run.cmd...))
	p := startProc(t, argv[0], env, argv[1:]...)
	if got := p.waitListening(t); got != addr {
		t.Fatalf("listening on %s, want %s", got, addr)
	}
	hc := mapArgs(run.healthcheck)
	if code, out, stderr := runBin(t, hc[0], env, hc[1:]...); code != 0 || !strings.Contains(out, "healthy") {
		t.Errorf("HEALTHCHECK %q: exit %d, %q %q", run.healthcheck, code, out, stderr)
	}
	if _, err := os.Stat(state); err != nil {
		t.Errorf("no state in the volume: %v", err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, shutdown+2*time.Second); code != 0 {
		t.Errorf("exit %d after STOPSIGNAL, want 0:\n%s", code, p.Stderr())
	}
	if code, _, _ := runBin(t, hc[0], env, hc[1:]...); code != 1 {
		t.Errorf("HEALTHCHECK after the stop: exit %d, want 1 (unhealthy)", code)
	}
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, mode); err != nil {
		t.Fatal(err)
	}
}
