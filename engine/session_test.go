package engine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
)

// newSession returns a session of a fresh engine, closed with the test.
func newSession(t *testing.T, eopts engine.Options, sopts engine.SessionOptions) *engine.Session {
	t.Helper()
	s, err := engine.New(eopts).NewSession(sopts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestSessionState(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lib", "util.lua"), []byte("return {twice = function(x) return 2 * x end}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	extra := func(L *lua.LState) int {
		m := L.NewTable()
		m.RawSetString("answer", lua.LNumber(42))
		L.Push(m)
		return 1
	}
	s := newSession(t, engine.Options{Now: func() time.Time { return time.Unix(1000, 0) }}, engine.SessionOptions{
		Dir:     dir,
		Args:    map[string]any{"n": 3},
		Modules: map[string]lua.LGFunction{"extra": extra},
	})
	ctx := context.Background()
	tests := []struct {
		name, src string
		want      lua.LValue
	}{
		{"set a global", "x = 20", nil},
		{"globals persist", "return x + 1", lua.LNumber(21)},
		{"args", "return args.n", lua.LNumber(3)},
		{"require beside Dir", "return require('lib.util').twice(x)", lua.LNumber(40)},
		{"extra module", "return require('extra').answer", lua.LNumber(42)},
		{"built-in modules", "return require('json').encode({1}) .. require('time').now()", lua.LString("[1]1000")},
		{"injected clock", "return os.time()", lua.LNumber(1000)},
		{"sandbox", "return io == nil and dofile == nil", lua.LTrue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vals, err := s.DoString(ctx, "input", tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == nil {
				if len(vals) != 0 {
					t.Fatalf("values = %v, want none", vals)
				}
				return
			}
			if len(vals) != 1 || vals[0] != tc.want {
				t.Fatalf("values = %v, want [%v]", vals, tc.want)
			}
		})
	}
	if top := s.State().GetTop(); top != 0 {
		t.Errorf("stack top = %d after the calls, want 0", top)
	}
}

func TestSessionErrors(t *testing.T) {
	s := newSession(t, engine.Options{}, engine.SessionOptions{})
	ctx := context.Background()
	t.Run("runtime error with position", func(t *testing.T) {
		_, err := s.DoString(ctx, "stdin", "local a = 1\nlocal b = nil + a\n")
		se := scriptError(t, err)
		if se.Kind != engine.Runtime || se.Script != "stdin" || se.Line != 2 {
			t.Fatalf("error = %+v, want a runtime error at stdin:2", se)
		}
	})
	t.Run("incomplete input is a parse error at EOF", func(t *testing.T) {
		_, err := s.Compile("stdin", "function f()\n  return 1\n")
		se := scriptError(t, err)
		var pe *parse.Error
		if se.Kind != engine.Syntax || !errors.As(err, &pe) || pe.Pos.Line != parse.EOF {
			t.Fatalf("error = %+v (%v), want a syntax error at EOF", se, se.Err)
		}
	})
	t.Run("call a function with arguments", func(t *testing.T) {
		vals, err := s.DoString(ctx, "stdin", "return function(a, b) if b == 0 then error('division by zero') end return a / b end")
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Call(ctx, vals[0], lua.LNumber(6), lua.LNumber(3))
		if err != nil || len(got) != 1 || got[0] != lua.LNumber(2) {
			t.Fatalf("Call = %v, %v; want [2]", got, err)
		}
		_, err = s.Call(ctx, vals[0], lua.LNumber(1), lua.LNumber(0))
		if se := scriptError(t, err); se.Kind != engine.Runtime || se.Message != "division by zero" || se.Line != 1 {
			t.Fatalf("error = %+v", se)
		}
	})
}

func TestSessionCancelThenReuse(t *testing.T) {
	s := newSession(t, engine.Options{}, engine.SessionOptions{})
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		src  string
		kind engine.ErrorKind
	}{
		{"timeout of a loop", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 100*time.Millisecond)
		}, "while true do end", engine.Timeout},
		{"cancel of a sleep", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			return ctx, cancel
		}, "require('time').sleep(30)", engine.Cancelled},
		{"pcall cannot swallow it", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 100*time.Millisecond)
		}, "pcall(function() while true do end end) return 'swallowed'", engine.Timeout},
		{"already cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, "return 1", engine.Cancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := tc.ctx()
			defer cancel()
			_, err := s.DoString(ctx, "stdin", tc.src)
			if se := scriptError(t, err); se.Kind != tc.kind {
				t.Fatalf("error = %+v, want kind %v", se, tc.kind)
			}
			vals, err := s.DoString(context.Background(), "stdin", "return 1 + 1")
			if err != nil || len(vals) != 1 || vals[0] != lua.LNumber(2) {
				t.Fatalf("after the error: %v, %v; want [2]", vals, err)
			}
		})
	}
}

func TestSessionSora(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	c, err := emu.AddConnection(emulator.Connection{ChannelID: "sora", Metadata: map[string]any{"status": "busy"}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.Start(emu, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	client := newClient(t, srv.URL)
	for _, dry := range []bool{false, true} {
		t.Run(map[bool]string{false: "live", true: "dry run"}[dry], func(t *testing.T) {
			s := newSession(t, engine.Options{Client: client}, engine.SessionOptions{DryRun: dry})
			src := "local sora = require('sora')\nreturn assert(sora.put_item('sora', '" + c.ConnectionID + "', 'status', 'away')).status"
			vals, err := s.DoString(context.Background(), "stdin", src)
			if err != nil || len(vals) != 1 || vals[0] != lua.LString("away") {
				t.Fatalf("values = %v, %v", vals, err)
			}
			if st := s.Stats(); st.Calls["put_item"] != 1 || st.Writes != 1 || st.DryRun != dry {
				t.Errorf("stats = %+v", st)
			}
			md, _ := emu.Metadata("sora", c.ConnectionID)
			want := map[bool]string{false: "away", true: "busy"}[dry]
			if md["status"] != want {
				t.Errorf("emulator status = %v, want %s", md["status"], want)
			}
			if p := s.Plan(); (p != nil) != dry || dry && len(p.Changes) != 1 {
				t.Errorf("plan = %+v (dry run %v)", p, dry)
			}
			if !dry {
				if _, err := client.PutItem(context.Background(), "sora", c.ConnectionID, "status", "busy", false); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
