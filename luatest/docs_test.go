package luatest

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	lualog "github.com/soracron/soracron/bindings/log"
	luasora "github.com/soracron/soracron/bindings/sora"
	luatime "github.com/soracron/soracron/bindings/time"
	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/sora"
)

// The reference, docs/lua-api.md, is checked against the code:
//
//   - every field of every module (loaded in an LState: sora, json, log,
//     time, testing) has a heading "### `mod.name" (the testing module is
//     written t.name), and every such heading names a real field;
//   - every ```lua block runs: a block that requires "testing" runs as a
//     test file through Run and all its tests must pass; any other block
//     runs as a script through the engine against a fresh emulator loaded
//     with the demo fixture of `soracron run --emulator` (cli/demo.yaml) and
//     must succeed. Blocks tagged ```lua-norun (and other languages) are not
//     run. The working directory is the repository root, so examples use
//     paths such as scripts/mark_busy.lua.

const docPath = "../docs/lua-api.md"

// moduleFields loads every module in an LState and returns the documented
// name prefix of each module with its sorted field names.
func moduleFields(t *testing.T) map[string][]string {
	t.Helper()
	client, err := sora.New(sora.Config{URL: "http://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	L := lua.NewState()
	defer L.Close()
	fr := &fileRun{}
	loaders := map[string]lua.LGFunction{
		"sora":    luasora.New(client, luasora.Options{}).Loader,
		"json":    luajson.Loader,
		"log":     lualog.New(nil).Loader,
		"time":    luatime.New(nil).Loader,
		"testing": fr.loader,
	}
	prefixes := map[string]string{"testing": "t"}
	out := map[string][]string{}
	for name, loader := range loaders {
		L.PreloadModule(name, loader)
		if err := L.DoString("return require('" + name + "')"); err != nil {
			t.Fatal(err)
		}
		mod, ok := L.Get(-1).(*lua.LTable)
		L.Pop(1)
		if !ok {
			t.Fatalf("require(%q) is not a table", name)
		}
		prefix := name
		if p, ok := prefixes[name]; ok {
			prefix = p
		}
		mod.ForEach(func(k, _ lua.LValue) { out[prefix] = append(out[prefix], k.String()) })
		slices.Sort(out[prefix])
		if len(out[prefix]) == 0 {
			t.Fatalf("module %s has no fields", name)
		}
	}
	return out
}

var headingRE = regexp.MustCompile("(?m)^#{3,4} `(sora|json|log|time|t)\\.([a-z_]+)[(`]")

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
	demo, err := os.ReadFile("../cli/demo.yaml")
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

// runDocScript runs a block as a script against the demo channel.
func runDocScript(t *testing.T, blk docBlock, demo []byte) {
	path := filepath.Join(t.TempDir(), "example.lua")
	if err := os.WriteFile(path, []byte(blk.src), 0o644); err != nil {
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
	if _, err := eng.Run(ctx, engine.Request{Script: path}); err != nil {
		t.Errorf("%s:%d: example failed: %v", docPath, blk.line, err)
	}
}
