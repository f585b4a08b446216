package lint

import (
	"fmt"
	"slices"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"

	"github.com/soracron/soracron/engine"
)

// walker walks one chunk with its scopes of local names.
type walker struct {
	c     *Checker
	file  string
	diags []Diagnostic
	// scopes of locals: name -> the module it holds ("" for another value)
	scopes []map[string]string
	// globalModules: globals assigned from require(...) -> module
	globalModules map[string]string
	assigned      map[string]bool // globals assigned somewhere
	localNames    map[string]bool // every local declared, for suggestions
	libReads      []libRead       // reads of fields of the standard libraries
	libAssigned   map[string]bool // "lib.name" the script defines itself
	reads         []globalRead
}

// libRead is a read of a field of a standard library (string.x).
type libRead struct {
	lib, name string
	line      int
}

// globalRead is a read of a global that may be unknown.
type globalRead struct {
	name string
	line int
}

func (w *walker) push() { w.scopes = append(w.scopes, map[string]string{}) }
func (w *walker) pop()  { w.scopes = w.scopes[:len(w.scopes)-1] }

func (w *walker) declare(name, module string) {
	w.scopes[len(w.scopes)-1][name] = module
	w.localNames[name] = true
}

// local returns the module a local holds and whether name is a local.
func (w *walker) local(name string) (string, bool) {
	for i := len(w.scopes) - 1; i >= 0; i-- {
		if m, ok := w.scopes[i][name]; ok {
			return m, true
		}
	}
	return "", false
}

func (w *walker) report(line int, sev Severity, format string, args ...any) {
	w.diags = append(w.diags, Diagnostic{File: w.file, Line: line, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

func (w *walker) block(stmts []ast.Stmt) {
	for _, s := range stmts {
		w.stmt(s)
	}
}

func (w *walker) scoped(stmts []ast.Stmt, names ...string) {
	w.push()
	for _, n := range names {
		w.declare(n, "")
	}
	w.block(stmts)
	w.pop()
}

func (w *walker) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.LocalAssignStmt:
		// local function f: f is in scope in its body.
		if len(s.Names) == 1 && len(s.Exprs) == 1 {
			if _, ok := s.Exprs[0].(*ast.FunctionExpr); ok {
				w.declare(s.Names[0], "")
			}
		}
		for _, e := range s.Exprs {
			w.expr(e)
		}
		for i, n := range s.Names {
			mod := ""
			if i < len(s.Exprs) {
				mod = w.moduleOf(s.Exprs[i])
			}
			w.declare(n, mod)
		}
	case *ast.AssignStmt:
		for _, e := range s.Rhs {
			w.expr(e)
		}
		for i, lhs := range s.Lhs {
			w.assign(lhs, s.Rhs, i)
		}
	case *ast.FuncCallStmt:
		w.expr(s.Expr)
	case *ast.DoBlockStmt:
		w.scoped(s.Stmts)
	case *ast.WhileStmt:
		w.expr(s.Condition)
		w.scoped(s.Stmts)
	case *ast.RepeatStmt:
		w.push()
		w.block(s.Stmts)
		w.expr(s.Condition) // sees the block's locals
		w.pop()
	case *ast.IfStmt:
		w.expr(s.Condition)
		w.scoped(s.Then)
		w.scoped(s.Else)
	case *ast.NumberForStmt:
		w.expr(s.Init)
		w.expr(s.Limit)
		if s.Step != nil {
			w.expr(s.Step)
		}
		w.scoped(s.Stmts, s.Name)
	case *ast.GenericForStmt:
		for _, e := range s.Exprs {
			w.expr(e)
		}
		w.scoped(s.Stmts, s.Names...)
	case *ast.FuncDefStmt:
		params := []string(nil)
		if s.Name.Func != nil {
			w.assign(s.Name.Func, nil, 0)
		} else {
			w.expr(s.Name.Receiver)
			if mod := w.moduleOf(s.Name.Receiver); mod != "" {
				w.member(mod, s.Name.Method, s.Func.Line(), true)
			}
			params = append(params, "self")
		}
		w.function(s.Func, params...)
	case *ast.ReturnStmt:
		for _, e := range s.Exprs {
			w.expr(e)
		}
	}
}

// assign handles the target lhs of an assignment whose i-th value is rhs[i].
func (w *walker) assign(lhs ast.Expr, rhs []ast.Expr, i int) {
	switch t := lhs.(type) {
	case *ast.IdentExpr:
		if _, ok := w.local(t.Value); ok {
			return
		}
		w.assigned[t.Value] = true
		if i < len(rhs) {
			if mod := w.moduleOf(rhs[i]); mod != "" {
				w.globalModules[t.Value] = mod
			}
		}
	case *ast.AttrGetExpr:
		w.expr(t.Object)
		if key, ok := t.Key.(*ast.StringExpr); ok {
			if mod := w.moduleOf(t.Object); mod != "" {
				w.member(mod, key.Value, t.Line(), true)
				return
			}
			if lib := w.libraryOf(t.Object); lib != "" {
				w.libAssigned[lib+"."+key.Value] = true
				return
			}
		}
		w.expr(t.Key)
	default:
		w.expr(lhs)
	}
}

// libraryOf returns the standard library (string, os, ...) e is the global
// table of, "" otherwise.
func (w *walker) libraryOf(e ast.Expr) string {
	id, ok := e.(*ast.IdentExpr)
	if !ok {
		return ""
	}
	if _, local := w.local(id.Value); local {
		return ""
	}
	if _, lib := w.c.libraries[id.Value]; lib {
		return id.Value
	}
	return ""
}

// unknownLibraryFields warns about fields of the standard libraries that
// the sandbox does not have (os.execute, string.dump) and the script does
// not define.
func (w *walker) unknownLibraryFields() {
	for _, r := range w.libReads {
		q := r.lib + "." + r.name
		if w.libAssigned[q] || w.assigned[r.lib] || slices.Contains(w.c.libraries[r.lib], r.name) {
			continue
		}
		w.report(r.line, Warning, "%s (the sandbox leaves it out)", engine.UnknownField(r.lib, luaString(r.name), w.c.libraries[r.lib]))
	}
}

// function walks a function body with its parameters in scope.
func (w *walker) function(f *ast.FunctionExpr, extra ...string) {
	w.scoped(f.Stmts, append(extra, f.ParList.Names...)...)
}

func (w *walker) expr(e ast.Expr) {
	switch e := e.(type) {
	case *ast.IdentExpr:
		if _, ok := w.local(e.Value); !ok {
			w.reads = append(w.reads, globalRead{e.Value, e.Line()})
		}
	case *ast.AttrGetExpr:
		w.expr(e.Object)
		if key, ok := e.Key.(*ast.StringExpr); ok {
			if mod := w.moduleOf(e.Object); mod != "" {
				w.member(mod, key.Value, e.Line(), false)
				return
			}
			if lib := w.libraryOf(e.Object); lib != "" {
				w.libReads = append(w.libReads, libRead{lib, key.Value, e.Line()})
				return
			}
		}
		w.expr(e.Key)
	case *ast.TableExpr:
		for _, f := range e.Fields {
			if f.Key != nil {
				w.expr(f.Key)
			}
			w.expr(f.Value)
		}
	case *ast.FuncCallExpr:
		if e.Func != nil {
			w.expr(e.Func)
		}
		if e.Receiver != nil {
			w.expr(e.Receiver)
			if mod := w.moduleOf(e.Receiver); mod != "" {
				w.member(mod, e.Method, e.Line(), false)
			} else if lib := w.libraryOf(e.Receiver); lib != "" {
				w.libReads = append(w.libReads, libRead{lib, e.Method, e.Line()})
			}
		}
		for _, a := range e.Args {
			w.expr(a)
		}
	case *ast.LogicalOpExpr:
		w.expr(e.Lhs)
		w.expr(e.Rhs)
	case *ast.RelationalOpExpr:
		w.expr(e.Lhs)
		w.expr(e.Rhs)
	case *ast.StringConcatOpExpr:
		w.expr(e.Lhs)
		w.expr(e.Rhs)
	case *ast.ArithmeticOpExpr:
		w.expr(e.Lhs)
		w.expr(e.Rhs)
	case *ast.UnaryMinusOpExpr:
		w.expr(e.Expr)
	case *ast.UnaryNotOpExpr:
		w.expr(e.Expr)
	case *ast.UnaryLenOpExpr:
		w.expr(e.Expr)
	case *ast.FunctionExpr:
		w.function(e)
	}
}

// moduleOf returns the soracron module e evaluates to, "" when unknown:
// require("m") of a preloaded module, a local or a global holding one.
func (w *walker) moduleOf(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.FuncCallExpr:
		if id, ok := e.Func.(*ast.IdentExpr); ok && id.Value == "require" && len(e.Args) == 1 {
			if _, local := w.local("require"); local {
				return ""
			}
			if s, ok := e.Args[0].(*ast.StringExpr); ok {
				if _, known := w.c.modules[s.Value]; known {
					return s.Value
				}
			}
		}
	case *ast.IdentExpr:
		if mod, ok := w.local(e.Value); ok {
			return mod
		}
		return w.globalModules[e.Value]
	}
	return ""
}

// member reports name when module mod does not have it.
func (w *walker) member(mod, name string, line int, assigning bool) {
	fields := w.c.modules[mod]
	if slices.Contains(fields, name) {
		return
	}
	msg := engine.UnknownField(mod, luaString(name), fields)
	if assigning {
		msg = "cannot add a field to module " + mod + ": " + msg
	}
	w.report(line, Error, "%s", msg)
}

// unassignedGlobals warns about globals read but assigned nowhere and not
// known, once per name (at its first read).
func (w *walker) unassignedGlobals() {
	seen := map[string]bool{}
	for _, r := range w.reads {
		if seen[r.name] || w.assigned[r.name] || slices.Contains(w.c.globals, r.name) {
			continue
		}
		seen[r.name] = true
		msg := fmt.Sprintf("global '%s' is read but never assigned, and the sandbox has no such global", r.name)
		candidates := slices.Clone(w.c.globals)
		for g := range w.assigned {
			candidates = append(candidates, g)
		}
		for l := range w.localNames {
			candidates = append(candidates, l)
		}
		if _, isModule := w.c.modules[r.name]; isModule {
			msg += fmt.Sprintf(" (modules are not globals: local %s = require(%q))", r.name, r.name)
		} else if near := engine.Suggest(r.name, candidates); len(near) > 0 {
			msg += " (did you mean " + quoteList(near) + "?)"
		}
		w.report(r.line, Warning, "%s", msg)
	}
}

func quoteList(names []string) string {
	s := ""
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			s += " or "
		default:
			s += ", "
		}
		s += "'" + n + "'"
	}
	return s
}

// luaString converts name for engine.UnknownField.
func luaString(name string) lua.LValue { return lua.LString(name) }
