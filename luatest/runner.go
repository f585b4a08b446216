// Package luatest runs Lua tests of soracron scripts: files named
// *_test.lua that register tests with the "testing" module. Each test runs
// against its own fresh in-process emulator (served over HTTP on a loopback
// port) loaded with the file's fixture; t.run runs a script through the real
// engine against it, and the module's accessors and assertions check the
// metadata, pushes and requests that resulted.
//
// A test file is one sandboxed Lua state (an engine.Session with the
// modules of a script plus "testing"): the file's top level registers tests
// (t.test) and fixtures (t.fixture), then every test function is called in
// turn, in registration order. An assertion failure, or any error, ends the
// test; the report names the file and line where it happened.
package luatest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/internal/syncio"
)

// DefaultTimeout bounds each test (and the loading of each file) when
// Options.Timeout is zero.
const DefaultTimeout = time.Minute

// LoadName is the name of the pseudo-test that reports a test file that
// fails to load.
const LoadName = "(load)"

// Options configure Run.
type Options struct {
	// Filter selects the tests to run by name (a Go regular expression,
	// unanchored); nil runs all.
	Filter *regexp.Regexp
	// Timeout bounds each test; DefaultTimeout when zero.
	Timeout time.Duration
	// Reporter receives the results as they come; nil discards them.
	Reporter Reporter
}

// Result is the outcome of one test.
type Result struct {
	// Name is the test's name (LoadName for a file that failed to load).
	Name string
	// File is the test file.
	File string
	// OK is true when the test passed.
	OK bool
	// Duration is how long the test took.
	Duration time.Duration
	// Where is "file:line" of the failure ("" when unknown or passed); the
	// file is the test file, or the module or script where it happened.
	Where string
	// Line is the line of the failure when it happened in File, else 0.
	Line int
	// Error is the failure message, without position ("" when passed).
	Error string
	// Syntax is true when the failure is a syntax error of the file or of
	// a module it requires.
	Syntax bool
	// Output is what the test and its scripts logged.
	Output string
}

// Summary counts the results of a Run.
type Summary struct {
	Passed, Failed int
	// SyntaxErrors counts files that did not load because of a syntax error.
	SyntaxErrors int
}

// Run runs the tests of files one file after the other and the tests of a
// file in registration order, reporting each result. It stops early when
// ctx ends.
func Run(ctx context.Context, files []string, opts Options) Summary {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Reporter == nil {
		opts.Reporter = discard{}
	}
	var sum Summary
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		s := runFile(ctx, f, &opts)
		sum.Passed += s.Passed
		sum.Failed += s.Failed
		sum.SyntaxErrors += s.SyntaxErrors
	}
	return sum
}

// testCase is one registered test.
type testCase struct {
	name    string
	fn      *lua.LFunction
	fixture *fixture
}

// fileRun is the state of one test file: its Lua session, its tests, and
// the environment of the test running now.
type fileRun struct {
	file, dir string
	logger    *slog.Logger
	out       *syncio.Buffer
	sess      *engine.Session

	fixture *fixture // of the tests registered next
	tests   []*testCase
	loaded  bool // the file's top level has run
	cur     *env // nil outside a test
}

func runFile(ctx context.Context, file string, opts *Options) Summary {
	start := time.Now()
	fr := &fileRun{file: file, dir: filepath.Dir(file), out: &syncio.Buffer{}}
	fr.logger = slog.New(slog.NewTextHandler(fr.out, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	var sum Summary
	eng := engine.New(engine.Options{Logger: fr.logger, Now: fr.now})
	sess, err := eng.NewSession(engine.SessionOptions{
		Dir:     fr.dir,
		Logger:  fr.logger,
		Modules: map[string]lua.LGFunction{"testing": fr.loader},
	})
	if err != nil {
		res := Result{Name: LoadName, File: file, Error: err.Error(), Output: fr.out.Take()}
		opts.Reporter.Test(res)
		sum.Failed++
		opts.Reporter.File(file, sum, time.Since(start))
		return sum
	}
	defer sess.Close()
	fr.sess = sess

	lctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	_, err = sess.DoFile(lctx, file)
	cancel()
	fr.loaded = true
	if err != nil {
		res := fr.result(LoadName, err, time.Since(start), opts.Timeout)
		opts.Reporter.Test(res)
		sum.Failed++
		if res.Syntax {
			sum.SyntaxErrors++
		}
		opts.Reporter.File(file, sum, time.Since(start))
		return sum
	}
	for _, tc := range fr.tests {
		if opts.Filter != nil && !opts.Filter.MatchString(tc.name) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		res := fr.runTest(ctx, tc, opts.Timeout)
		opts.Reporter.Test(res)
		if res.OK {
			sum.Passed++
		} else {
			sum.Failed++
		}
	}
	opts.Reporter.File(file, sum, time.Since(start))
	return sum
}

// runTest runs one test in a fresh environment.
func (fr *fileRun) runTest(ctx context.Context, tc *testCase, timeout time.Duration) Result {
	fr.out.Take()
	start := time.Now()
	env, err := newEnv(tc.fixture, fr.logger)
	if err != nil {
		return Result{Name: tc.name, File: fr.file, Error: "emulator: " + err.Error(), Duration: time.Since(start), Output: fr.out.Take()}
	}
	fr.cur = env
	defer func() {
		fr.cur = nil
		env.close()
	}()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err = fr.sess.Call(tctx, tc.fn)
	return fr.result(tc.name, err, time.Since(start), timeout)
}

// result builds the Result of a test (or of loading the file) from the
// error of its call.
func (fr *fileRun) result(name string, err error, d, timeout time.Duration) Result {
	res := Result{Name: name, File: fr.file, OK: err == nil, Duration: d, Output: fr.out.Take()}
	if err == nil {
		return res
	}
	res.Error = err.Error()
	var se *engine.ScriptError
	if errors.As(err, &se) {
		res.Error = se.Message
		res.Syntax = se.Kind == engine.Syntax
		if se.Kind == engine.Timeout {
			res.Error = "timed out after " + timeout.String()
		}
		if se.Line > 0 {
			res.Where = fmt.Sprintf("%s:%d", se.Script, se.Line)
			if filepath.Clean(se.Script) == filepath.Clean(fr.file) {
				res.Line = se.Line
			}
		} else if se.Script != "" && filepath.Clean(se.Script) != filepath.Clean(fr.file) {
			res.Where = se.Script
		}
	}
	return res
}

// now is the clock of the test file's own time.now() and os.time(): the
// running test's clock, else the real time.
func (fr *fileRun) now() time.Time {
	if fr.cur != nil {
		return fr.cur.now()
	}
	return time.Now()
}

// take returns the content and empties the buffer.
