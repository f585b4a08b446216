package luatest

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/sora"
)

// The reference, docs/lua-api.md, is checked against the code:
//
//   - every field of every module (engine.Modules and testing, loaded in
//     a session) has a heading "### `mod.name" (the testing module is
//     written t.name), and every such heading names a real field;
//   - every ```lua block runs: a block that requires "testing" runs as a
//     test file through Run and all its tests must pass; any other block
//     runs as a script through the engine against a fresh emulator loaded
//     with the demo fixture of `soracron run --emulator` (cli/soraconn/demo.yaml) and
//     must succeed (the http examples call https://crm.example.com, which
//     is replaced by a local test server). Blocks tagged ```lua-norun (and other languages) are not
//     run. The working directory is the repository root, so examples use
//     paths such as scripts/mark_busy.lua.

const docPath = "../docs/lua-api.md"

// moduleFields describes every module (engine.Describe, which knows the
// fields of the run module even when they are nil) and returns the
// documented name prefix of each module with its sorted field names.
func moduleFields(t *testing.T) map[string][]string {
	t.Helper()
	fr := &fileRun{}
	api, err := engine.Describe(map[string]lua.LGFunction{"testing": fr.loader})
	if err != nil {
		t.Fatal(err)
	}
	prefixes := map[string]string{"testing": "t"}
	out := map[string][]string{}
	for name, fields := range api.Modules {
		prefix := name
		if p, ok := prefixes[name]; ok {
			prefix = p
		}
		out[prefix] = slices.Sorted(slices.Values(fields))
		if len(out[prefix]) == 0 {
			t.Fatalf("module %s has no fields", name)
		}
	}
	if len(out) != len(engine.Modules())+1 {
		t.Fatalf("described %d modules, want %d", len(out), len(engine.Modules())+1)
	}
	return out
}

var headingRE = regexp.MustCompile("(?m)^#{3,4} `([a-z0-9]+)\\.([a-z_0-9]+)[(`]")

func TestDocsListEveryFunction(t *testing.T) {
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range headingRE.FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]+"."+m[2]] = true
	}
	exists := map[string]bool{}
	for prefix, fields := range moduleFields(t) {
		t.Run(prefix, func(t *testing.T) {
			for _, f := range fields {
				q := prefix + "." + f
				exists[q] = true
				if !documented[q] {
					t.Errorf("%s has no heading \"### `%s\" in %s", q, q, docPath)
				}
			}
		})
	}
	for q := range documented {
		if !exists[q] {
			t.Errorf("%s documents %s, which no module has", docPath, q)
		}
	}
}

// docBlock is a fenced code block of the reference.
type docBlock struct {
	line int // of the opening fence
	lang string
	src  string
}

func docBlocks(t *testing.T) []docBlock {
	t.Helper()
	f, err := os.Open(docPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []docBlock
	var cur *docBlock
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &docBlock{line: n, lang: strings.TrimSpace(strings.TrimPrefix(line, "```"))}
			b.Reset()
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.src = b.String()
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s:%d: unterminated code block", docPath, cur.line)
	}
	return blocks
}

func TestDocsExamplesRun(t *testing.T) {
	demo, err := os.ReadFile("../cli/soraconn/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	blocks := docBlocks(t)
	t.Chdir("..")
	ran := 0
	for _, blk := range blocks {
		if blk.lang != "lua" {
			continue
		}
		ran++
		name := "line " + strconv.Itoa(blk.line)
		if strings.Contains(blk.src, `require("testing")`) {
			t.Run(name+" test file", func(t *testing.T) { runDocTestFile(t, blk) })
		} else {
			t.Run(name+" script", func(t *testing.T) { runDocScript(t, blk, demo) })
		}
	}
	if ran < 40 {
		t.Errorf("only %d runnable examples found", ran)
	}
}

// runDocTestFile runs a block as a test file; every test must pass.
func runDocTestFile(t *testing.T, blk docBlock) {
	path := filepath.Join(t.TempDir(), "example_test.lua")
	if err := os.WriteFile(path, []byte(blk.src), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	sum := Run(context.Background(), []string{path}, Options{Reporter: c, Timeout: 20 * time.Second})
	if sum.Failed > 0 || sum.Passed == 0 {
		t.Errorf("%s:%d: %d passed, %d failed", docPath, blk.line, sum.Passed, sum.Failed)
	}
	for _, r := range c.results {
		if !r.OK {
			t.Errorf("%s:%d: %s failed at %s: %s\n%s", docPath, blk.line, r.Name, r.Where, r.Error, r.Output)
		}
	}
}

// crmURL is the service the http module's examples call; runDocScript
// points it to crmServer.
const crmURL = "https://crm.example.com"

// crmServer starts the test server of the http examples and returns its URL:
// GET /api/users lists users, POST or PUT /api/events echoes the event with
// 201, anything else is 404.
func crmServer(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/users":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `[{"name":"ann"},{"name":"bob"}]`)
		case (r.Method == http.MethodPost || r.Method == http.MethodPut) && r.URL.Path == "/api/events":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			io.Copy(w, r.Body)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// runDocScript runs a block as a script against the demo channel.
func runDocScript(t *testing.T, blk docBlock, demo []byte) {
	path := filepath.Join(t.TempDir(), "example.lua")
	src := strings.ReplaceAll(blk.src, crmURL, crmServer(t))
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	emu := emulator.New(emulator.Options{})
	if err := emu.LoadFixtureYAML(demo); err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.Start(emu, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, err := sora.New(sora.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer client.CloseIdleConnections()
	eng := engine.New(engine.Options{Client: client})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := eng.Run(ctx, engine.Request{Script: path, HTTPAllow: []string{"127.0.0.1"}}); err != nil {
		t.Errorf("%s:%d: example failed: %v", docPath, blk.line, err)
	}
}
