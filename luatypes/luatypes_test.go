package luatypes

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"

	"github.com/soracron/soracron/docs"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/luatest"
)

// definedNames parses a definition file with gopher-lua and returns the
// fields it defines on table mod (function mod.x() end, mod.x = ...) and
// the globals it assigns.
func definedNames(t *testing.T, name, src, mod string) (fields, globals []string) {
	t.Helper()
	chunk, err := parse.Parse(strings.NewReader(src), name)
	if err != nil {
		t.Fatalf("%s does not parse: %v", name, err)
	}
	for _, s := range chunk {
		switch s := s.(type) {
		case *ast.FuncDefStmt:
			if a, ok := s.Name.Func.(*ast.AttrGetExpr); ok && a.Object.(*ast.IdentExpr).Value == mod {
				fields = append(fields, a.Key.(*ast.StringExpr).Value)
			}
		case *ast.AssignStmt:
			for _, l := range s.Lhs {
				switch l := l.(type) {
				case *ast.AttrGetExpr:
					if l.Object.(*ast.IdentExpr).Value == mod {
						fields = append(fields, l.Key.(*ast.StringExpr).Value)
					}
				case *ast.IdentExpr:
					globals = append(globals, l.Value)
				}
			}
		}
	}
	slices.Sort(fields)
	return fields, globals
}

// TestFilesNameExactlyTheModules: the generated files parse, and define
// exactly the fields each module has, no more, no fewer; the globals file
// defines args and event.
func TestFilesNameExactlyTheModules(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	api, err := engine.Describe(map[string]lua.LGFunction{"testing": luatest.Loader})
	if err != nil {
		t.Fatal(err)
	}
	for mod, want := range api.Modules {
		t.Run(mod, func(t *testing.T) {
			src, ok := files[mod+".lua"]
			if !ok {
				t.Fatalf("no %s.lua", mod)
			}
			if !strings.HasPrefix(src, "---@meta "+mod+"\n") {
				t.Errorf("%s.lua does not start with ---@meta %s", mod, mod)
			}
			got, _ := definedNames(t, mod+".lua", src, mod)
			if !slices.Equal(got, want) {
				t.Errorf("%s.lua defines %q, the module has %q", mod, got, want)
			}
			if !strings.Contains(src, "---@return") && mod != "log" && mod != "run" { // log returns nothing, run has only values
				t.Errorf("%s.lua has no return types", mod)
			}
		})
	}
	if len(files) != len(api.Modules)+1 {
		t.Errorf("%d files for %d modules and the globals", len(files), len(api.Modules))
	}
	_, globals := definedNames(t, GlobalsFile, files[GlobalsFile], "")
	if !slices.Equal(globals, []string{"args", "event"}) {
		t.Errorf("%s defines %q", GlobalsFile, globals)
	}
	// What the issue asks for by name.
	for file, want := range map[string][]string{
		"sora.lua": {"---@class sora.WriteOpts", "---@field push? boolean", "---@param opts? sora.WriteOpts",
			"---@return sora.Error?", "---@class sora.Error", "---@field status integer"},
		"http.lua": {"---@return http.Response?", "---@return http.Error?"},
	} {
		for _, w := range want {
			if !strings.Contains(files[file], w) {
				t.Errorf("%s lacks %q", file, w)
			}
		}
	}
}

// TestTypesAndDocsAgree: every type in types.go is of a field a module
// has, and every field heading of the reference is of a field a module
// has, so neither lists a function that does not exist.
func TestTypesAndDocsAgree(t *testing.T) {
	api, err := engine.Describe(map[string]lua.LGFunction{"testing": luatest.Loader})
	if err != nil {
		t.Fatal(err)
	}
	exists := map[string]bool{}
	for mod, fields := range api.Modules {
		for _, f := range fields {
			exists[mod+"."+f] = true
		}
	}
	for _, q := range slices.Sorted(maps.Keys(sigs)) {
		if !exists[q] {
			t.Errorf("types.go types %s, which no module has", q)
		}
	}
	text := parseDocs(docs.LuaAPI)
	for _, q := range slices.Sorted(maps.Keys(text.fields)) {
		if !exists[q] {
			t.Errorf("docs/lua-api.md documents %s, which no module has", q)
		}
		if text.fields[q] == "" {
			t.Errorf("docs/lua-api.md has no text under %s", q)
		}
	}
	for mod := range api.Modules {
		if text.modules[mod] == "" {
			t.Errorf("docs/lua-api.md has no text under \"## The %s module\"", mod)
		}
	}
}

func TestLuaRC(t *testing.T) {
	var rc map[string]any
	if err := json.Unmarshal(LuaRC("types"), &rc); err != nil {
		t.Fatal(err)
	}
	if rc["runtime.version"] != "Lua 5.1" || rc["workspace.library"].([]any)[0] != "types" {
		t.Errorf("%v", rc)
	}
}

func TestSplitTop(t *testing.T) {
	got := splitTop(" a: fun(x: t, y: u): v|nil, b?: table<string, any> ")
	if !slices.Equal(got, []string{"a: fun(x: t, y: u): v|nil", "b?: table<string, any>"}) {
		t.Errorf("%q", got)
	}
}

// classFields returns the field names of class name in types.go.
func classFields(t *testing.T, mod, name string) []string {
	t.Helper()
	for _, c := range classes[mod] {
		if c.name == name {
			var out []string
			for _, f := range c.fields {
				n, _, _ := strings.Cut(f, ":")
				out = append(out, strings.TrimSuffix(n, "?"))
			}
			slices.Sort(out)
			return out
		}
	}
	t.Fatalf("no class %s", name)
	return nil
}

// TestErrorFieldsAgreeWithDocs: the error classes have the fields the
// reference lists.
func TestErrorFieldsAgreeWithDocs(t *testing.T) {
	md := docs.LuaAPI
	// The table under "A sora error `err` is a table:".
	_, rest, ok := strings.Cut(md, "A sora error `err` is a table:")
	if !ok {
		t.Fatal("the reference has no table of the sora error's fields")
	}
	var soraFields []string
	started := false
	for _, line := range strings.Split(rest, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			if started {
				break
			}
			continue
		}
		started = true
		if name, ok := strings.CutPrefix(line, "| `"); ok {
			name, _, _ = strings.Cut(name, "`")
			soraFields = append(soraFields, name)
		}
	}
	slices.Sort(soraFields)
	if got := classFields(t, "sora", "sora.Error"); !slices.Equal(got, soraFields) {
		t.Errorf("sora.Error has %q, the reference lists %q", got, soraFields)
	}
	// The http module's "`err` is `{op, type, ...}`".
	_, rest, ok = strings.Cut(md, "`nil, err`, where `err` is\n`{")
	if !ok {
		_, rest, ok = strings.Cut(md, "where `err` is `{")
	}
	if !ok {
		t.Fatal("the reference does not list the http error's fields")
	}
	list, _, _ := strings.Cut(rest, "}")
	var httpFields []string
	for _, f := range strings.Split(list, ",") {
		httpFields = append(httpFields, strings.TrimSpace(f))
	}
	slices.Sort(httpFields)
	if got := classFields(t, "http", "http.Error"); !slices.Equal(got, httpFields) {
		t.Errorf("http.Error has %q, the reference lists %q", got, httpFields)
	}
}
