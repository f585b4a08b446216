package compile

import (
	"errors"
	"strings"
	"testing"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
)

// checker compiles every script but bad.lua, counting the calls by path.
type checker struct{ calls map[string]int }

func (c checker) Compile(path string) error {
	c.calls[path]++
	if path == "bad.lua" {
		return errors.New("syntax error")
	}
	return nil
}

// loader is a checker that also loads.
type loader struct{ checker }

func (l loader) Load(path string) (*engine.Script, error) {
	if err := l.Compile(path); err != nil {
		return nil, err
	}
	return &engine.Script{}, nil
}

func config(scripts ...string) *jobs.Config {
	cfg := &jobs.Config{}
	for i, s := range scripts {
		cfg.Jobs = append(cfg.Jobs, &jobs.Job{Name: string(rune('a' + i)), Script: s})
	}
	return cfg
}

func TestAll(t *testing.T) {
	tests := []struct {
		name        string
		loader      bool
		scripts     []string
		wantErr     string // "" for none
		wantScripts int
	}{
		{"compiler", false, []string{"x.lua", "y.lua"}, "", 0},
		{"loader keeps the chunks", true, []string{"x.lua", "y.lua", "x.lua"}, "", 2},
		{"a script that does not compile", false, []string{"x.lua", "bad.lua"}, `job "b": syntax error`, 0},
		{"loader: no chunks on error", true, []string{"bad.lua", "x.lua"}, `job "a": syntax error`, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := checker{calls: map[string]int{}}
			var r any = c
			if tc.loader {
				r = loader{c}
			}
			scripts, err := All(r, config(tc.scripts...))
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("All = %v, want error %q", err, tc.wantErr)
			}
			if len(scripts) != tc.wantScripts {
				t.Errorf("%d scripts, want %d", len(scripts), tc.wantScripts)
			}
			for path, n := range c.calls {
				if n != 1 {
					t.Errorf("%s compiled %d times, want once", path, n)
				}
			}
		})
	}
	if scripts, err := All(struct{}{}, config("bad.lua")); scripts != nil || err != nil {
		t.Errorf("All of a runner that cannot compile = %v, %v; want nothing", scripts, err)
	}
}
