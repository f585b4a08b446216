package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/engine"
)

func TestSyntaxErrors(t *testing.T) {
	t.Run("testdata", func(t *testing.T) {
		e := engine.New(engine.Options{})
		for _, check := range []struct {
			name string
			do   func() error
		}{
			{"run", func() error {
				_, err := e.Run(context.Background(), engine.Request{Script: "testdata/scripts/syntax_error.lua"})
				return err
			}},
			{"compile", func() error { return e.Compile("testdata/scripts/syntax_error.lua") }},
		} {
			t.Run(check.name, func(t *testing.T) {
				se := scriptError(t, check.do())
				if se.Kind != engine.Syntax || se.Script != "testdata/scripts/syntax_error.lua" || se.Line != 5 {
					t.Errorf("got %+v", se)
				}
				if want := "testdata/scripts/syntax_error.lua:5: syntax error near '*'"; se.Error() != want {
					t.Errorf("Error() = %q, want %q", se.Error(), want)
				}
			})
		}
	})
	tests := []struct {
		name, src string
		line      int
		message   string
	}{
		{"unexpected token", "local a = 1\nlocal b = = 2\n", 2, "near '='"},
		{"unterminated string", "local a = 1\n\nlocal s = \"abc\n", 3, "unterminated string"},
		{"missing end", "if true then\n  x = 1\n", 3, "near <eof>"},
		{"break outside loop", "local a = 1\nbreak\n", 2, "no loop to break"},
		{"goto without label", "goto nowhere\n", 1, "no visible label 'nowhere'"},
		{"invalid character", "local a = 1\nlocal b = a $ 2\n", 2, `invalid character "$"`},
		{"non-ASCII byte", "local a = 1\nlocal \xff = 2\n", 2, `invalid character "\xff" (non-ASCII bytes are only allowed in strings and comments)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, tt.src)
			se := scriptError(t, err)
			if se.Kind != engine.Syntax || se.Line != tt.line || !strings.Contains(se.Message, tt.message) {
				t.Errorf("got kind %v line %d message %q, want Syntax line %d message containing %q",
					se.Kind, se.Line, se.Message, tt.line, tt.message)
			}
		})
	}
}

func TestRuntimeErrors(t *testing.T) {
	t.Run("testdata traceback", func(t *testing.T) {
		e := engine.New(engine.Options{})
		_, err := e.Run(context.Background(), engine.Request{Script: "testdata/scripts/runtime_error.lua"})
		se := scriptError(t, err)
		if se.Kind != engine.Runtime || se.Script != "testdata/scripts/runtime_error.lua" || se.Line != 3 {
			t.Errorf("got %+v", se)
		}
		if !strings.Contains(se.Message, "attempt to index") {
			t.Errorf("message = %q", se.Message)
		}
		for _, want := range []string{
			"testdata/scripts/runtime_error.lua:3: in function 'inner'",
			"testdata/scripts/runtime_error.lua:7: in function 'outer'",
			"testdata/scripts/runtime_error.lua:11: in main chunk",
		} {
			if !strings.Contains(se.Traceback, want) {
				t.Errorf("traceback lacks %q:\n%s", want, se.Traceback)
			}
		}
	})
	tests := []struct {
		name, src string
		line      int
		message   string
	}{
		{"error string", "local x = 1\nerror(\"boom\")\n", 2, "boom"},
		{"error level 0", "\nerror(\"bare\", 0)\n", 2, "bare"},
		{"error level 2", "local function check(v)\n  error(\"bad v\", 2)\nend\ncheck(1)\n", 4, "bad v"},
		{"error table with __tostring", "local E = setmetatable({}, {__tostring = function() return \"custom failure\" end})\n\nerror(E)\n", 3, "custom failure"},
		{"assert with error table", "local function get()\n  return nil, setmetatable({status = 404}, {__tostring = function(e) return \"not found: \" .. e.status end})\nend\nlocal v = assert(get())\n", 4, "not found: 404"},
		{"assert with message", "\nassert(false, \"nope\")\n", 2, "nope"},
		{"assert without message", "assert(nil)\n", 1, "assertion failed!"},
		{"error plain table", "error({code = 7})\n", 1, `{"code":7}`},
		{"error nil", "\n\nerror()\n", 3, "(error object is a nil value)"},
		{"call nil", "local t = {}\nt.nope()\n", 2, "attempt to call a non-function object"},
		{"stack overflow", "local function f() return 1 + f() end\nf()\n", 0, "stack overflow"},
		{"no sora client", "local sora = require(\"sora\")\n", 1, "no Sora API configured"},
		{"bad log use", "local log = require(\"log\")\n\nlog.info({})\n", 3, "bad argument #1"},
		{"non-encodable return", "return {f = function() end}\n", 0, "return value.f"},
		{"cyclic return", "local t = {}\nt.t = t\nreturn t\n", 0, "cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := run(t, tt.src)
			if res == nil {
				t.Fatal("nil result")
			}
			se := scriptError(t, err)
			if se.Kind != engine.Runtime || se.Line != tt.line || !strings.Contains(se.Message, tt.message) {
				t.Errorf("got kind %v line %d message %q, want Runtime line %d message containing %q",
					se.Kind, se.Line, se.Message, tt.line, tt.message)
			}
		})
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	tests := []struct {
		name   string
		script string
		kind   engine.ErrorKind
		cancel bool
	}{
		{"infinite loop", "testdata/scripts/infinite_loop.lua", engine.Timeout, false},
		{"sleep", "testdata/scripts/sleep.lua", engine.Timeout, false},
		{"pcall cannot swallow", "", engine.Timeout, false},
		{"coroutine loop", "", engine.Timeout, false},
		{"cancelled loop", "testdata/scripts/infinite_loop.lua", engine.Cancelled, true},
		{"cancelled sleep", "testdata/scripts/sleep.lua", engine.Cancelled, true},
	}
	srcs := map[string]string{
		"pcall cannot swallow": "while true do pcall(function() while true do end end) end",
		"coroutine loop":       "local co = coroutine.wrap(function() while true do end end)\nwhile true do pcall(co) end",
	}
	e := engine.New(engine.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := tt.script
			if script == "" {
				script = writeScript(t, srcs[tt.name])
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req := engine.Request{Script: script, Timeout: 200 * time.Millisecond}
			if tt.cancel {
				req.Timeout = time.Minute
				time.AfterFunc(100*time.Millisecond, cancel)
			}
			done := make(chan error, 1)
			go func() {
				res, err := e.Run(ctx, req)
				if res == nil {
					err = errors.New("nil result")
				}
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("run not stopped")
			}
			se := scriptError(t, err)
			if se.Kind != tt.kind {
				t.Fatalf("kind = %v, want %v (%v)", se.Kind, tt.kind, err)
			}
			want := context.DeadlineExceeded
			if tt.cancel {
				want = context.Canceled
			}
			if !errors.Is(err, want) {
				t.Errorf("errors.Is(%v, %v) = false", err, want)
			}
			if se.Line == 0 || se.Script != script {
				t.Errorf("position %s:%d, want a line of %s", se.Script, se.Line, script)
			}
		})
	}
}
