package engine

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestCompileCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lua")
	write := func(src string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e := New(Options{})
	load := func() *lua.FunctionProto {
		t.Helper()
		p, err := e.load(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("return 1")
	if err := e.Compile(path); err != nil {
		t.Fatal(err)
	}
	p1 := load()
	steps := []struct {
		name    string
		src     string // "" keeps the file
		samePtr bool
		want    string
	}{
		{"unchanged file hits", "", true, "1"},
		{"same content rewritten hits", "return 1", true, "1"},
		{"changed content recompiles", "return 2", false, "2"},
		{"reverted content recompiles", "return 1", false, "1"},
	}
	prev := p1
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.src != "" {
				write(s.src)
			}
			p := load()
			if (p == prev) != s.samePtr {
				t.Errorf("same proto = %v, want %v", p == prev, s.samePtr)
			}
			prev = p
			if n := e.cache.len(); n != 1 {
				t.Errorf("cache holds %d entries, want 1 (old versions dropped)", n)
			}
			res, err := e.Run(context.Background(), Request{Script: path})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Value.(interface{ String() string }).String(); got != s.want {
				t.Errorf("run returned %v, want %v", got, s.want)
			}
			if p2 := load(); p2 != p {
				t.Error("Run did not use the cached proto")
			}
		})
	}
}

func TestCompileCacheModules(t *testing.T) {
	e := New(Options{})
	for i := range 2 {
		if _, err := e.Run(context.Background(), Request{Script: "testdata/scripts/uses_util.lua"}); err != nil {
			t.Fatal(err)
		}
		if n := e.cache.len(); n != 2 {
			t.Errorf("run %d: cache holds %d entries, want the script and its module", i, n)
		}
	}
	e.cache.mu.Lock()
	_, ok := e.cache.byName[filepath.Join("testdata", "scripts", "lib", "util.lua")]
	e.cache.mu.Unlock()
	if !ok {
		t.Error("module not cached under its chunk name")
	}
}

func TestProtoCacheLRU(t *testing.T) {
	c := newProtoCache(2)
	protos := map[string]*lua.FunctionProto{}
	for _, name := range []string{"a", "b", "c"} {
		p, err := c.compile(name, []byte("return '"+name+"'"))
		if err != nil {
			t.Fatal(err)
		}
		protos[name] = p
		if name == "b" { // touch a: b becomes the least recently used
			if p, _ := c.compile("a", []byte("return 'a'")); p != protos["a"] {
				t.Fatal("a recompiled")
			}
		}
	}
	tests := []struct {
		name   string
		cached bool
	}{
		{"a", true}, {"b", false}, {"c", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.mu.Lock()
			el, ok := c.items[cacheKey{name: tt.name, sum: sha256.Sum256([]byte("return '" + tt.name + "'"))}]
			c.mu.Unlock()
			if ok != tt.cached {
				t.Fatalf("cached = %v, want %v", ok, tt.cached)
			}
			if ok && el.Value.(*cacheEntry).proto != protos[tt.name] {
				t.Error("cached proto is not the one compiled first")
			}
		})
	}
	if n := c.len(); n != 2 {
		t.Errorf("len = %d, want 2", n)
	}
}
