package json

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// dagBomb returns a table of depth n where every level holds the level
// below twice: 2^n leaves (of 4 KiB, so that the limit comes quickly) as
// JSON, n+1 tables in memory.
func dagBomb(L *lua.LState, n int) *lua.LTable {
	t := L.CreateTable(1, 0)
	t.Append(lua.LString(strings.Repeat("x", 4096)))
	for range n {
		u := L.CreateTable(2, 0)
		u.Append(t)
		u.Append(t)
		t = u
	}
	return t
}

func TestJSONSizeLimits(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	bomb := dagBomb(L, 40) // 2^40 leaves: terabytes of JSON
	const msg = " is over 33554432 bytes as JSON (the limit; is a table referenced many times?)"
	t.Run("Encode", func(t *testing.T) {
		_, err := Encode(bomb)
		if !errors.Is(err, ErrTooLarge) || err.Error() != "value"+msg {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("FromLuaPath", func(t *testing.T) {
		_, err := FromLuaPath(bomb, "return value")
		if !errors.Is(err, ErrTooLarge) || err.Error() != "return value"+msg {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("just under the limit", func(t *testing.T) {
		s := lua.LString(strings.Repeat("x", MaxBytes-2))
		if b, err := Encode(s); err != nil || len(b) != MaxBytes {
			t.Errorf("%d bytes, %v", len(b), err)
		}
		if _, err := Encode(s + "x"); !errors.Is(err, ErrTooLarge) {
			t.Errorf("one byte over: %v", err)
		}
	})
}

func TestLuaJSONLimit(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	L.PreloadModule("json", Loader)
	SetMaxBytes(L, 100)
	run := func(src string) []string {
		t.Helper()
		if err := L.DoString(src); err != nil {
			t.Fatal(err)
		}
		var out []string
		for i := 1; i <= L.GetTop(); i++ {
			out = append(out, L.Get(i).String())
		}
		L.SetTop(0)
		return out
	}
	tests := []struct {
		name, src string
		want      []string
	}{
		{"encode at the limit", `local json = require("json") return #json.encode(string.rep("x", 98))`, []string{"100"}},
		{"encode over", `local json = require("json") return json.encode(string.rep("x", 99))`,
			[]string{"nil", "value is over 100 bytes as JSON (the limit; is a table referenced many times?)"}},
		{"indent over", `local json = require("json") return json.encode({{{{1, 2, 3}}}}, {indent = 16})`,
			[]string{"nil", "value is over 100 bytes as JSON (the limit; is a table referenced many times?)"}},
		{"decode over", `local json = require("json") return json.decode("[" .. string.rep("1,", 60) .. "1]")`,
			[]string{"nil", "JSON text of 123 bytes is over the limit of 100 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(tt.src); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("no limit", func(t *testing.T) {
		SetMaxBytes(L, -1)
		if got := run(`local json = require("json") return #json.encode(string.rep("x", 1000))`); got[0] != "1002" {
			t.Errorf("got %q", got)
		}
		SetMaxBytes(L, 0)
		if jsonStateOf(L).maxBytes != MaxBytes {
			t.Error("0 does not restore the default")
		}
	})
}

// TestIndentedSize: the bound is never below stdjson.Indent's real size.
func TestIndentedSize(t *testing.T) {
	docs := []string{`1`, `"a,b:{c}"`, `[]`, `{}`, `[1,2,[3,{"a":[4,"\"]"]}]]`, `{"a":{"b":{"c":[1,{},[]]}},"d":"e:f,g"}`}
	for _, d := range docs {
		for _, n := range []int{1, 2, 16} {
			var buf bytes.Buffer
			if err := stdjson.Indent(&buf, []byte(d), "", strings.Repeat(" ", n)); err != nil {
				t.Fatal(err)
			}
			if got := indentedSize([]byte(d), n); got < buf.Len() {
				t.Errorf("indentedSize(%s, %d) = %d, below the real %d", d, n, got, buf.Len())
			}
		}
	}
}
