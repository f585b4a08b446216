-- json.null: one sentinel per state, never a dropped key or a shifted array.
local json = require("json")

assert(type(json.null) == "userdata", "json.null is a userdata")
assert(tostring(json.null) == "null", "tostring(json.null)")
assert(json.null == json.null)
assert(getmetatable(json.null) == "json.null", "null metatable is protected")
assert(require("json").null == json.null, "same sentinel on a second require")

-- [1,null,3] keeps 3 elements with json.null at [2]
local a = assert(json.decode("[1,null,3]"))
assert(#a == 3, "array length " .. #a)
assert(a[1] == 1 and a[2] == json.null and a[3] == 3)
assert(json.encode(a) == "[1,null,3]")

-- trailing nulls stay too
local b = assert(json.decode("[null,null]"))
assert(#b == 2 and b[1] == json.null and b[2] == json.null)
assert(json.encode(b) == "[null,null]")

-- {"a":null} keeps its key
local o = assert(json.decode('{"a":null,"b":1}'))
assert(o.a == json.null, "o.a is json.null")
local keys = 0
for _ in pairs(o) do keys = keys + 1 end
assert(keys == 2, "two keys, got " .. keys)
assert(json.encode(o) == '{"a":null,"b":1}')

-- a top-level null decodes to json.null (truthy, so `if not v` means error)
local n, err = json.decode("null")
assert(n == json.null and err == nil)
assert(n, "json.null is truthy")
assert(json.encode(json.null) == "null")
assert(json.encode(nil) == "null")

-- nested arrays with nulls
local nested = assert(json.decode("[[null],[1,null,[null,2]],null]"))
assert(#nested == 3 and nested[3] == json.null)
assert(#nested[2] == 3 and nested[2][2] == json.null and nested[2][3][1] == json.null)
assert(json.encode(nested) == "[[null],[1,null,[null,2]],null]")

-- Lua-built tables use json.null for gaps
assert(json.encode({1, json.null, 3}) == "[1,null,3]")
assert(json.encode({a = json.null}) == '{"a":null}')

-- indexing null is an error, not a silent nil
assert(not pcall(function() return json.null.x end))
