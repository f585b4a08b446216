package luatypes

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/docs"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/luatest"
)

// GlobalsFile is the file of the globals soracron adds (args, event).
const GlobalsFile = "globals.lua"

// Files returns the definition files by name: one per module (sora.lua,
// json.lua, ..., testing.lua) and GlobalsFile. It fails when a field of a
// module has no type in this package or no heading in the reference.
func Files() (map[string]string, error) {
	api, err := engine.Describe(map[string]lua.LGFunction{"testing": luatest.Loader})
	if err != nil {
		return nil, err
	}
	text := parseDocs(docs.LuaAPI)
	files := map[string]string{}
	var missing []string
	for _, mod := range slices.Sorted(maps.Keys(api.Modules)) {
		src, miss := moduleFile(mod, api.Modules[mod], text)
		missing = append(missing, miss...)
		files[mod+".lua"] = src
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("luatypes: %s", strings.Join(missing, "; "))
	}
	files[GlobalsFile] = globalsFile()
	return files, nil
}

// LuaRC is the .luarc.json that points the Lua language server at the
// definitions in dir and tells it about the sandbox: Lua 5.1, no io or
// debug library.
func LuaRC(dir string) []byte {
	rc := map[string]any{
		"runtime.version": "Lua 5.1",
		"runtime.builtin": map[string]string{
			"io": "disable", "debug": "disable", "utf8": "disable", "ffi": "disable", "jit": "disable", "bit32": "disable",
		},
		"workspace.library":         []string{dir},
		"workspace.checkThirdParty": false,
		"diagnostics.globals":       []string{},
	}
	data, _ := json.MarshalIndent(rc, "", "  ")
	return append(data, '\n')
}

// comment writes text as --- lines of at most about 80 columns.
func comment(b *strings.Builder, text string) {
	line := "---"
	for _, w := range strings.Fields(text) {
		if len(line) > 3 && len(line)+1+len(w) > 80 {
			b.WriteString(line + "\n")
			line = "---"
		}
		if len(line) > 3 {
			line += " "
		}
		line += w
	}
	if len(line) > 3 {
		b.WriteString(line + "\n")
	}
}

// moduleFile writes the definitions of module mod with its fields.
func moduleFile(mod string, fields []string, text docText) (string, []string) {
	var b strings.Builder
	var missing []string
	fmt.Fprintf(&b, "---@meta %s\n\n", mod)
	comment(&b, text.modules[mod])
	fmt.Fprintf(&b, "---@class soracron.%s\nlocal %s = {}\n\n", mod, mod)
	for _, c := range classes[mod] {
		comment(&b, c.doc)
		fmt.Fprintf(&b, "---@class %s\n", c.name)
		for _, f := range c.fields {
			name, rest, _ := strings.Cut(f, ": ")
			typ, doc, _ := strings.Cut(rest, "  ")
			fmt.Fprintf(&b, "---@field %s %s", name, typ)
			if doc != "" {
				fmt.Fprintf(&b, " %s", doc)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	for _, f := range fields {
		q := mod + "." + f
		sig, ok := sigs[q]
		if !ok {
			missing = append(missing, q+" has no type in luatypes/types.go")
			continue
		}
		doc, ok := text.fields[q]
		if !ok {
			missing = append(missing, q+" has no heading in docs/lua-api.md")
		}
		comment(&b, doc)
		if typ, ok := strings.CutPrefix(sig, "= "); ok {
			fmt.Fprintf(&b, "---@type %s\n%s.%s = nil\n\n", typ, mod, f)
			continue
		}
		params, results, _ := strings.Cut(sig, "->")
		var names []string
		for _, p := range splitTop(params) {
			name, typ, _ := strings.Cut(p, ": ")
			fmt.Fprintf(&b, "---@param %s %s\n", name, typ)
			names = append(names, strings.TrimSuffix(name, "?"))
		}
		for _, r := range splitTop(results) {
			fmt.Fprintf(&b, "---@return %s\n", r)
		}
		fmt.Fprintf(&b, "function %s.%s(%s) end\n\n", mod, f, strings.Join(names, ", "))
	}
	fmt.Fprintf(&b, "return %s\n", mod)
	return b.String(), missing
}

// globalsFile writes the definitions of the globals soracron adds.
func globalsFile() string {
	var b strings.Builder
	b.WriteString("---@meta\n\n")
	for _, g := range globals {
		comment(&b, g.doc)
		fmt.Fprintf(&b, "---@type %s\n%s = nil\n\n", g.typ, g.name)
	}
	return b.String()
}

// splitTop splits s at the commas outside (), <> and {}, trimming spaces.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(', '<', '{':
			depth++
		case ')', '>', '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}
