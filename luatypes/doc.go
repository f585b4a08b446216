// Package luatypes writes LuaLS (LuaCATS, "---@meta") definition files for
// the modules and globals of soracron scripts, so that an editor with the
// Lua language server completes sora.list, checks argument types, and
// flags sora.lst before the script runs.
//
// The text of each function comes from the Lua API reference
// (docs/lua-api.md, embedded), the paragraph under its heading; the names
// come from the modules themselves (engine.Describe), so that a function
// added to a module without a signature here or a heading there fails the
// tests; the types of parameters and results are the table in types.go.
package luatypes
