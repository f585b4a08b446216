package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/soracron/soracron/engine"
)

// TestModulesTypoProof: an unknown name of a module raises at the script's
// line, naming the module and the closest names; known names work.
func TestModulesTypoProof(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"read", "local json = require(\"json\")\nlocal s = json.encod({})\n", "main.lua:2: json has no field 'encod' (did you mean 'encode'?)"},
		{"call", "local strings = require(\"strings\")\n\nstrings.splt(\"a,b\", \",\")\n", "main.lua:3: strings has no field 'splt' (did you mean 'split'?)"},
		{"several close names", "local crypto = require(\"crypto\")\nreturn crypto.uuid_v5()\n", "main.lua:2: crypto has no field 'uuid_v5' (did you mean 'uuid_v4' or 'uuid_v7'?)"},
		{"no close name", "local time = require(\"time\")\nreturn time.tomorrow\n", "main.lua:2: time has no field 'tomorrow'"},
		{"non-string key", "local hex = require(\"hex\")\nreturn hex[1]\n", "main.lua:2: hex has no field 1"},
		{"assign", "local log = require(\"log\")\nlog.warning = print\n", "main.lua:2: cannot add a field to module log: log has no field 'warning' (did you mean 'warn'?)"},
		{"inside a function", "local regexp = require(\"regexp\")\nlocal function f()\n  return regexp.replace\nend\nf()\n", "main.lua:3: regexp has no field 'replace'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, tt.src)
			se := scriptError(t, err)
			if got := fmt.Sprintf("%s:%d: %s", filepath.Base(se.Script), se.Line, se.Message); se.Kind != engine.Runtime || got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("known names and iteration are unchanged", func(t *testing.T) {
		res, err := run(t, `local strings = require("strings")
			local n = 0 for k in pairs(strings) do n = n + 1 end
			strings.split = strings.split
			return n == 10 and strings.join(strings.split("a,b", ","), "+") == "a+b"`)
		if err != nil || res.Value != true {
			t.Fatalf("%#v %v", res.Value, err)
		}
	})
	t.Run("a script's own module is not guarded", func(t *testing.T) {
		e := engine.New(engine.Options{})
		dir := t.TempDir()
		writeScriptIn(t, dir, "util.lua", `return {x = 1}`)
		res, err := e.Run(context.Background(), engine.Request{Script: writeScriptIn(t, dir, "main.lua", `local u = require("util") return u.y == nil`)})
		if err != nil || res.Value != true {
			t.Fatalf("%v %v", res.Value, err)
		}
	})
}

func TestSuggest(t *testing.T) {
	known := []string{"list", "get", "put", "delete", "put_item", "delete_item", "update", "update_all", "batch", "call", "dry_run"}
	tests := []struct {
		name string
		want []string
	}{
		{"lst", []string{"list"}},
		{"updat_all", []string{"update_all"}},
		{"putitem", []string{"put_item"}},
		{"gett", []string{"get"}},
		{"zzz", nil},
		{"dry", []string{"dry_run"}},
		{"LIST", []string{"list"}},
	}
	for _, tt := range tests {
		if got := engine.Suggest(tt.name, known); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Suggest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
