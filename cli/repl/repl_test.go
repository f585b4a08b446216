package repl

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/engine"
)

// TestReplCancelStatement checks what Ctrl-C does in the interactive REPL:
// the running statement's context is cancelled, the statement stops with
// "interrupted", and the session (its globals) goes on.
func TestReplCancelStatement(t *testing.T) {
	var out, errOut bytes.Buffer
	r, err := New(engine.New(engine.Options{}), &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	defer r.sess.Close()
	tests := []struct {
		name  string
		input string
	}{
		{"sleep", "time.sleep(60)"},
		{"busy loop", "while true do end"},
		{"loop in pcall", "pcall(function() while true do end end)"},
	}
	r.feed(context.Background(), "n = 1")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out.Reset()
			errOut.Reset()
			ctx, cancel := context.WithCancel(context.Background())
			timer := time.AfterFunc(50*time.Millisecond, cancel) // the SIGINT handler's cancel
			defer timer.Stop()
			if more := r.feed(ctx, tc.input); more {
				t.Fatal("complete input reported as incomplete")
			}
			if got := errOut.String(); got != "interrupted\n" {
				t.Fatalf("stderr = %q, want interrupted", got)
			}
			r.feed(context.Background(), "n = n + 1")
			r.feed(context.Background(), "n")
			if !strings.HasSuffix(out.String(), "\n") || out.Len() == 0 {
				t.Fatalf("stdout = %q after the interruption", out.String())
			}
		})
	}
	out.Reset()
	r.feed(context.Background(), "n")
	if out.String() != "4\n" {
		t.Errorf("n = %q after 3 interruptions, want 4", out.String())
	}
}

func TestReplIncomplete(t *testing.T) {
	r, err := New(engine.New(engine.Options{}), &bytes.Buffer{}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.sess.Close()
	tests := []struct {
		src  string
		more bool
	}{
		{"function f()", true},
		{"x = {", true},
		{"s = [[abc", true},
		{"if x then", true},
		{"return 1 +", true},
		{"s = \"abc", false}, // an unfinished short string does not continue
		{"x = = 1", false},
		{"end", false},
		{"1 + 1", false},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			_, err := r.compile(tc.src)
			if err == nil {
				if tc.more {
					t.Fatal("compiled, want incomplete")
				}
				return
			}
			var se *engine.ScriptError
			if !errors.As(err, &se) || se.Kind != engine.Syntax {
				t.Fatalf("error %v, want a syntax error", err)
			}
			if got := incomplete(err); got != tc.more {
				t.Fatalf("incomplete = %v, want %v (%v)", got, tc.more, err)
			}
		})
	}
	if v := r.format(lua.LNil); v != "nil" {
		t.Errorf("format(nil) = %q", v)
	}
}
