package archtest

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/soracron/soracron"

// allowed lists, for the packages under each top-level directory of the
// module ("." is the root package, main), the top-level directories whose
// packages their non-test files may import. Test files may also import
// the emulator. The order of the layers is the README's:
// cli -> scheduler -> engine -> bindings -> sora.
var allowed = map[string][]string{
	".":         {"cli"},
	"cli":       {"cli", "scheduler", "jobs", "lint", "luatypes", "luatest", "engine", "bindings", "sora", "emulator"},
	"lint":      {"luatest", "engine", "bindings", "sora"},
	"luatypes":  {"luatest", "engine", "bindings", "sora", "docs"},
	"docs":      {},
	"scheduler": {"scheduler", "jobs", "engine", "bindings", "sora"},
	"luatest":   {"engine", "bindings", "sora", "emulator"},
	"engine":    {"engine", "bindings", "sora"},
	"bindings":  {"bindings", "sora"},
	"jobs":      {},
	"sora":      {},
	"emulator":  {},
	"internal":  {},
}

// inside lists, by importing package, the packages under its own top-level
// directory it may import although its rules above say nothing of the
// project: a package split into subpackages that, in turn, import nothing
// outside that directory.
var inside = map[string][]string{
	"jobs": {"jobs/schedule"},
	"emulator": {"emulator/target", "emulator/faults", "emulator/webhook", "emulator/push", "emulator/fixture",
		"emulator/internal/jsonscan"},
	"emulator/faults": {"emulator/target"},
	"emulator/push":   {"emulator/internal/jsonscan"},
}

// unchecked are the directories of harnesses that may import anything
// (and that nothing imports).
var unchecked = []string{"bench", "e2e", "scripts"}

// shared are leaf packages (importing nothing of the project) that every
// package but the emulator may import.
var shared = []string{"internal/syncio", "internal/clocktest"}

// narrower lists packages that may import less than their directory's rule
// allows: exactly these packages of the project (and the shared ones; test
// files also the emulator). The engine's internal packages are its parts:
// the sandbox's standard library and the source gates know nothing of the
// modules or the client, and the child process's protocol carries only
// plain data. The packages under scheduler/ but its API and dashboard are
// the daemon's parts: package scheduler imports them, none imports it, and
// each imports only the parts below it.
var narrower = map[string][]string{
	"bindings/json/internal/numtext": {},
	"bindings/json/internal/syntax":  {},
	"bindings/sora/progress":         {},
	"bindings/sora/soraerr":          {"bindings/json", "bindings/plan", "sora"},
	"bindings/sora/stats":            {},
	"bindings/sora/updateall":        {"bindings/plan", "bindings/sora/soraerr", "bindings/sora/stats", "sora"},

	"engine/internal/pattern":   {},
	"engine/internal/source":    {},
	"engine/internal/stdlib":    {"engine/internal/pattern", "engine/internal/source"},
	"engine/internal/isolation": {"bindings/plan", "bindings/run", "bindings/sora/stats", "sora"},

	"scheduler/attempt": {"bindings/sora/stats", "engine", "jobs", "scheduler/clock", "scheduler/cluster", "scheduler/history",
		"scheduler/redact"},
	"scheduler/burst":   {},
	"scheduler/catchup": {"jobs", "scheduler/history"},
	"scheduler/clock":   {},
	"scheduler/clusterrun": {"jobs", "scheduler/catchup", "scheduler/clock", "scheduler/cluster",
		"scheduler/history"},
	"scheduler/compile": {"engine", "jobs"},
	"scheduler/eventq":  {},
	"scheduler/fanout":  {"scheduler/history"},
	"scheduler/metrics": {"sora"},
	"scheduler/notify":  {"jobs", "scheduler/history"},
	"scheduler/redact":  {"scheduler/history"},
	"scheduler/runlog":  {"scheduler/history"},
	// suspension uses the history through an interface; its test opens one.
	"scheduler/suspension": {"scheduler/history"},
}

// onlyImportedBy restricts who may import a package: the HTTP API wraps the
// scheduler, never the reverse; the packages under cli/ hold the commands'
// implementations and serve cli (and each other) only.
var onlyImportedBy = map[string][]string{
	"scheduler/api":      {"cli", "e2e"},
	"scheduler/ui":       {"cli", "e2e"},
	"cli/buildinfo":      {"cli"},
	"cli/completion":     {"cli"},
	"cli/daemonclient":   {"cli"},
	"cli/daemonhttp":     {"cli"},
	"cli/emulatorserver": {"cli"},
	"cli/exitcode":       {"cli"},
	"cli/flagenv":        {"cli"},
	"cli/jobcheck":       {"cli"},
	"cli/logformat":      {"cli"},
	"cli/plural":         {"cli"},
	"cli/repl":           {"cli"},
	"cli/runreport":      {"cli"},
	"cli/scriptargs":     {"cli"},
	"cli/secretfile":     {"cli"},
	"cli/soraconn":       {"cli"},
}

func TestImportDirection(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	bad, err := violations(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range bad {
		t.Error(v)
	}
}

// TestViolationsFound checks the checker on a tree that breaks each rule.
func TestViolationsFound(t *testing.T) {
	tests := []struct {
		name, file, src, want string
	}{
		{"upward import", "sora/x.go", `package sora; import _ "` + module + `/engine"`,
			`sora/x.go imports engine: sora may import nothing of the project`},
		{"emulator imports the client", "emulator/x_test.go", `package emulator; import _ "` + module + `/sora"`,
			`emulator/x_test.go imports sora: emulator may import nothing of the project`},
		{"jobs imports the scheduler", "jobs/x.go", `package jobs; import _ "` + module + `/scheduler"`,
			`jobs/x.go imports scheduler: jobs may import nothing of the project`},
		{"scheduler imports its API", "scheduler/x.go", `package scheduler; import _ "` + module + `/scheduler/api"`,
			`scheduler/x.go imports scheduler/api: only cli, e2e may import it`},
		{"lint imports a package of cli", "lint/x.go", `package lint; import _ "` + module + `/cli/plural"`,
			`lint/x.go imports cli/plural: only cli may import it`},
		{"the emulator imports a shared package", "emulator/x.go", `package emulator; import _ "` + module + `/internal/syncio"`,
			`emulator/x.go imports internal/syncio: emulator may import nothing of the project`},
		{"jobs/schedule imports jobs", "jobs/schedule/x.go", `package schedule; import _ "` + module + `/jobs"`,
			`jobs/schedule/x.go imports jobs: jobs may import nothing of the project`},
		{"the sandbox's library imports a module", "engine/internal/stdlib/x.go", `package stdlib; import _ "` + module + `/bindings/json"`,
			`engine/internal/stdlib/x.go imports bindings/json: engine/internal/stdlib may import only engine/internal/pattern, engine/internal/source`},
		{"an engine part imports the engine", "engine/internal/source/x_test.go", `package source; import _ "` + module + `/engine"`,
			`engine/internal/source/x_test.go imports engine: engine/internal/source may import nothing of the project`},
		{"a part of the daemon imports the daemon", "scheduler/redact/x.go", `package redact; import _ "` + module + `/scheduler"`,
			`scheduler/redact/x.go imports scheduler: scheduler/redact may import only scheduler/history`},
		{"a leaf part of the daemon imports another part", "scheduler/clock/x.go", `package clock; import _ "` + module + `/scheduler/history"`,
			`scheduler/clock/x.go imports scheduler/history: scheduler/clock may import nothing of the project`},
		{"an emulator part imports the client", "emulator/faults/x.go", `package faults; import _ "` + module + `/sora"`,
			`emulator/faults/x.go imports sora: emulator may import nothing of the project`},
		{"an emulator part imports another it has no row for", "emulator/webhook/x.go", `package webhook; import _ "` + module + `/emulator/push"`,
			`emulator/webhook/x.go imports emulator/push: emulator may import nothing of the project`},
		{"unknown directory", "newpkg/x.go", `package newpkg`,
			`newpkg/x.go: directory newpkg has no rule`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			path := filepath.Join(root, filepath.FromSlash(tc.file))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			bad, err := violations(root)
			if err != nil {
				t.Fatal(err)
			}
			if len(bad) != 1 || bad[0] != tc.want {
				t.Errorf("violations = %q, want [%q]", bad, tc.want)
			}
		})
	}
}

// violations parses the imports of every Go file under root and describes
// each import that breaks the rules.
func violations(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" ||
				slices.Contains(unchecked, rel)) {
				return filepath.SkipDir
			}
			// A directory with a go.mod of its own is another module
			// (deploy/kubernetes), outside this one's import graph.
			if _, err := os.Stat(filepath.Join(path, "go.mod")); rel != "." && err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") {
			return nil
		}
		top := "."
		if i := strings.IndexByte(rel, '/'); i >= 0 {
			top = rel[:i]
		}
		rules, ok := allowed[top]
		if !ok {
			out = append(out, fmt.Sprintf("%s: directory %s has no rule", rel, top))
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		isTest := strings.HasSuffix(rel, "_test.go")
		for _, spec := range f.Imports {
			imp, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				return err
			}
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			target := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			if target == "" {
				target = "."
			}
			if v := check(rel, top, target, rules, isTest); v != "" {
				out = append(out, v)
			}
		}
		return nil
	})
	return out, err
}

// check describes why the file rel (under the directory top) may not
// import the package target, "" when it may.
func check(rel, top, target string, rules []string, isTest bool) string {
	targetTop, _, _ := strings.Cut(target, "/")
	if by, ok := onlyImportedBy[target]; ok && !slices.Contains(by, top) {
		return fmt.Sprintf("%s imports %s: only %s may import it", rel, target, strings.Join(by, ", "))
	}
	if only, ok := narrower[path.Dir(rel)]; ok {
		switch {
		case slices.Contains(only, target), slices.Contains(shared, target),
			isTest && (targetTop == "emulator" || target == path.Dir(rel)): // the emulator, an external test package
			return ""
		case len(only) == 0:
			return fmt.Sprintf("%s imports %s: %s may import nothing of the project", rel, target, path.Dir(rel))
		}
		return fmt.Sprintf("%s imports %s: %s may import only %s", rel, target, path.Dir(rel), strings.Join(only, ", "))
	}
	switch {
	case slices.Contains(inside[path.Dir(rel)], target):
		return ""
	case slices.Contains(rules, targetTop):
		return ""
	case slices.Contains(shared, target) && top != "emulator":
		return ""
	case isTest && top != "emulator" && targetTop == "emulator":
		return ""
	case isTest && targetTop == top:
		return "" // an external test package
	case len(rules) == 0:
		return fmt.Sprintf("%s imports %s: %s may import nothing of the project", rel, target, top)
	}
	return fmt.Sprintf("%s imports %s: %s may import only %s", rel, target, top, strings.Join(rules, ", "))
}
