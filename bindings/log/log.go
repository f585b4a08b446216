package log

import (
	"cmp"
	"context"
	"log/slog"
	"slices"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings/json"
)

// Module is the Lua module "log" of one run: it writes a script's log records
// to a slog.Logger.
//
//	log.debug(msg [, fields])
//	log.info(msg [, fields])
//	log.warn(msg [, fields])
//	log.error(msg [, fields])
//
// msg must be a string; fields, when given, is a table of string keys whose
// values (converted as by json.FromLuaPath, so tables become JSON objects and arrays)
// become the record's attributes, sorted by key. A field named like a key the
// log handler writes itself (time, level, msg, source) is renamed with a
// "field_" prefix (field_level) so it cannot shadow it. Misuse raises a Lua
// error.
type Module struct {
	logger *slog.Logger
}

// New returns the log module writing to logger (discarding when nil).
func New(logger *slog.Logger) *Module {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Module{logger: logger}
}

// Loader is the lua.LGFunction of require("log").
func (m *Module) Loader(L *lua.LState) int {
	api := m.functions()
	L.Push(L.SetFuncs(L.CreateTable(0, len(api)), api))
	return 1
}

// functions is the module's function table: one function per level.
func (m *Module) functions() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"debug": m.logFunc(slog.LevelDebug),
		"info":  m.logFunc(slog.LevelInfo),
		"warn":  m.logFunc(slog.LevelWarn),
		"error": m.logFunc(slog.LevelError),
	}
}

// logFunc returns the Lua function logging at level.
func (m *Module) logFunc(level slog.Level) lua.LGFunction {
	return func(L *lua.LState) int {
		msg, ok := L.Get(1).(lua.LString)
		if !ok {
			L.ArgError(1, "message must be a string, got "+L.Get(1).Type().String())
		}
		var fields *lua.LTable
		switch v := L.Get(2).(type) {
		case *lua.LNilType:
		case *lua.LTable:
			fields = v
		default:
			L.ArgError(2, "fields must be a table, got "+v.Type().String())
		}
		ctx := L.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		if !m.logger.Enabled(ctx, level) {
			return 0
		}
		var attrs []slog.Attr
		if fields != nil {
			attrs = fieldAttrs(L, fields)
		}
		m.logger.LogAttrs(ctx, level, string(msg), attrs...)
		return 0
	}
}

// fieldAttrs converts the fields table (argument 2) to attributes sorted by
// key, raising an argument error on a non-string key or a value that has no
// JSON form.
func fieldAttrs(L *lua.LState, fields *lua.LTable) []slog.Attr {
	var attrs []slog.Attr
	var bad string
	json.Fill(fields) // a lazy table (a batch's result) is logged filled
	fields.ForEach(func(k, v lua.LValue) {
		if bad != "" {
			return
		}
		ks, ok := k.(lua.LString)
		if !ok {
			bad = "field keys must be strings, got " + k.Type().String() + " key " + k.String()
			return
		}
		gv, err := json.FromLuaPath(v, string(ks))
		if err != nil {
			bad = err.Error()
			return
		}
		key := string(ks)
		switch key {
		case slog.TimeKey, slog.LevelKey, slog.MessageKey, slog.SourceKey:
			key = "field_" + key
		}
		attrs = append(attrs, slog.Any(key, gv))
	})
	if bad != "" {
		L.ArgError(2, bad)
	}
	slices.SortFunc(attrs, func(a, b slog.Attr) int { return cmp.Compare(a.Key, b.Key) })
	return attrs
}
