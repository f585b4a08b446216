// Package docs holds soracron's Lua API reference, lua-api.md, and embeds
// it for the tools that take their text from it (soracron lua-types).
package docs

import _ "embed"

// LuaAPI is the text of lua-api.md.
//
//go:embed lua-api.md
var LuaAPI string
