package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/soracron/soracron/engine"
)

func TestRequire(t *testing.T) {
	e := engine.New(engine.Options{})
	t.Run("helper", func(t *testing.T) {
		res, err := e.Run(context.Background(), engine.Request{Script: "testdata/scripts/uses_util.lua"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"greeting": "hello, sora", "same": true, "loads": json.Number("1"), "loaded": true}
		if !reflect.DeepEqual(res.Value, want) {
			t.Errorf("got %v, want %v", res.Value, want)
		}
	})
	t.Run("runtime error in helper names the helper", func(t *testing.T) {
		_, err := e.Run(context.Background(), engine.Request{Script: "testdata/scripts/module_error.lua"})
		se := scriptError(t, err)
		if se.Kind != engine.Runtime || se.Script != filepath.Join("testdata", "scripts", "lib", "util.lua") ||
			se.Line != 11 || se.Message != "from the helper" {
			t.Errorf("got %+v", se)
		}
		if !strings.Contains(se.Traceback, "testdata/scripts/module_error.lua:2:") {
			t.Errorf("traceback lacks the caller:\n%s", se.Traceback)
		}
	})
	t.Run("syntax error in helper", func(t *testing.T) {
		_, err := e.Run(context.Background(), engine.Request{Script: "testdata/scripts/requires_broken.lua"})
		se := scriptError(t, err)
		if se.Kind != engine.Syntax || se.Script != filepath.Join("testdata", "scripts", "lib", "broken.lua") || se.Line != 4 {
			t.Errorf("got %+v", se)
		}
	})

	tests := []struct {
		name, module, want string
	}{
		{"dot dot", "..x", "invalid module name: empty path element"},
		{"trailing dot", "lib.", "invalid module name: empty path element"},
		{"slash", "../x", `invalid module name: '/' is not allowed`},
		{"absolute", "/etc/passwd", `invalid module name: '/' is not allowed`},
		{"space", "a b", `invalid module name: ' ' is not allowed`},
		{"empty", "", "invalid module name: empty"},
		{"missing", "lib.nope", "module not found: not preloaded, no file DIR/lib/nope.lua or DIR/lib/nope/init.lua"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := writeScript(t, "return require(\""+tt.module+"\")\n")
			tt.want = strings.ReplaceAll(tt.want, "DIR", filepath.Dir(script))
			_, err := e.Run(context.Background(), engine.Request{Script: script})
			se := scriptError(t, err)
			if se.Kind != engine.Runtime || se.Line != 1 || !strings.Contains(se.Message, tt.want) {
				t.Errorf("got %v (kind %v line %d), want message containing %q", err, se.Kind, se.Line, tt.want)
			}
		})
	}
}

func TestRequireSymlinks(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "scripts")
	for _, d := range []string{dir, filepath.Join(dir, "lib")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		filepath.Join(root, "outside.lua"):        `return "outside"`,
		filepath.Join(dir, "lib", "inside.lua"):   `return "inside"`,
		filepath.Join(dir, "lib", "pkg", "x.lua"): ``,
	}
	if err := os.Mkdir(filepath.Join(dir, "lib", "pkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	for path, src := range files {
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		filepath.Join(dir, "evil.lua"):  filepath.Join("..", "outside.lua"),
		filepath.Join(dir, "alias.lua"): filepath.Join("lib", "inside.lua"),
		filepath.Join(dir, "abs.lua"):   filepath.Join(root, "outside.lua"),
		filepath.Join(dir, "up"):        root,
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Skipf("symlinks unsupported: %v", err)
		}
	}
	tests := []struct {
		name, module string
		want         any
		wantErr      string
	}{
		{"relative link out", "evil", nil, "outside the script directory"},
		{"absolute link out", "abs", nil, "outside the script directory"},
		{"directory link out", "up.outside", nil, "outside the script directory"},
		{"link inside", "alias", "inside", ""},
		{"plain", "lib.inside", "inside", ""},
	}
	e := engine.New(engine.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := filepath.Join(dir, "main.lua")
			if err := os.WriteFile(script, []byte(`return require("`+tt.module+`")`), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := e.Run(context.Background(), engine.Request{Script: script})
			if tt.wantErr != "" {
				se := scriptError(t, err)
				if !strings.Contains(se.Message, tt.wantErr) {
					t.Errorf("message = %q, want %q", se.Message, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Value != tt.want {
				t.Errorf("got %v, want %v", res.Value, tt.want)
			}
		})
	}
}
