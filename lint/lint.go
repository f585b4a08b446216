package lint

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/luatest"
)

// Severity of a Diagnostic.
type Severity string

// Severities.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Diagnostic is one finding.
type Diagnostic struct {
	File     string
	Line     int
	Severity Severity
	Message  string
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", d.File, d.Line, d.Severity, d.Message)
}

// extraGlobals are globals some runs have beyond those of every sandbox:
// event, in runs started by an event.
var extraGlobals = []string{"event"}

// Checker checks scripts against the API of soracron's sandbox.
type Checker struct {
	modules   map[string][]string
	libraries map[string][]string
	globals   []string
}

// New returns a Checker for the modules and globals of soracron's sandbox
// (and the testing module of soracron test).
func New() (*Checker, error) {
	api, err := engine.Describe(map[string]lua.LGFunction{"testing": luatest.Loader})
	if err != nil {
		return nil, fmt.Errorf("lint: %w", err)
	}
	return &Checker{modules: api.Modules, libraries: api.Libraries, globals: append(api.Globals, extraGlobals...)}, nil
}

// CheckFile reads and checks the script at path.
func (c *Checker) CheckFile(path string) ([]Diagnostic, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return c.Check(path, src), nil
}

// Check checks src, the content of the script named name.
func (c *Checker) Check(name string, src []byte) []Diagnostic {
	chunk, err := parse.Parse(bytes.NewReader(src), name)
	if err != nil {
		line := 0
		var pe *parse.Error
		msg := err.Error()
		if errors.As(err, &pe) {
			line, msg = pe.Pos.Line, pe.Message
			if pe.Token != "" {
				msg += fmt.Sprintf(" near '%s'", pe.Token)
			}
		}
		if line < 1 {
			line = bytes.Count(src, []byte("\n")) + 1
		}
		return []Diagnostic{{File: name, Line: line, Severity: Error, Message: "syntax error: " + msg}}
	}
	w := &walker{c: c, file: name, globalModules: map[string]string{}, assigned: map[string]bool{}, localNames: map[string]bool{},
		libAssigned: map[string]bool{}}
	w.push()
	w.block(chunk)
	w.pop()
	w.unassignedGlobals()
	w.unknownLibraryFields()
	slices.SortStableFunc(w.diags, func(a, b Diagnostic) int { return a.Line - b.Line })
	return w.diags
}
