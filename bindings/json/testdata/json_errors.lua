-- Bad data returns nil, err; wrong argument types raise.
local json = require("json")

local function fails(fn, ...)
  local ok, e = pcall(fn, ...)
  assert(not ok, "expected a raised error")
  return tostring(e)
end

-- functions, userdata, threads cannot be encoded; the error names key and type
local s, err = json.encode({metadata = {a = {1, 2, print}}})
assert(s == nil, "nil on failure")
assert(err:find("bad value at metadata.a[3]: function", 1, true), err)
s, err = json.encode({co = coroutine.create(function() end)})
assert(s == nil and err:find("bad value at co: thread", 1, true), err)
s, err = json.encode(print)
assert(s == nil and err:find("bad value at (root): function", 1, true), err)

-- cycles
local t = {a = {}}
t.a.b = t
s, err = json.encode(t)
assert(s == nil and err == "cycle at a.b", err)
local arr = json.array()
arr[1] = arr
s, err = json.encode(arr)
assert(s == nil and err == "cycle at [1]", err)

-- keys
s, err = json.encode({1, 2, x = 3})
assert(s == nil and err:find("bad value at x: table mixes", 1, true), err)
s, err = json.encode({[1.5] = true})
assert(s == nil and err:find("bad value at [1.5]:", 1, true), err)
s, err = json.encode({[true] = 1})
assert(s == nil and err:find("bad value at [true]:", 1, true), err)
s, err = json.encode({[0] = "zero"})
assert(s == nil and err:find("bad value at [0]:", 1, true), err)
s, err = json.encode({[1] = 1, [3] = 3})
assert(s == nil and err:find("bad value at [2]: array has a hole", 1, true), err)
s, err = json.encode({[2] = 1})
assert(s == nil and err:find("bad value at [1]:", 1, true), err)
s, err = json.encode(json.array({[1] = 1, [3] = 3}))
assert(s == nil and err:find("bad value at [2]: array has a hole", 1, true), err)
s, err = json.encode(json.array({1, x = 2}))
assert(s == nil and err:find("bad value at x: array has a key", 1, true), err)
s, err = json.encode(json.object({1}))
assert(s == nil and err:find("bad value at [1]: object key must be a string", 1, true), err)

-- depth limit: an error, not a stack overflow
local deep = {}
local cur = deep
for _ = 1, 1100 do cur.x = {}; cur = cur.x end
s, err = json.encode(deep)
assert(s == nil and err:find("nesting deeper than 1000", 1, true), err)
s, err = json.decode(string.rep("[", 1001) .. string.rep("]", 1001))
assert(s == nil and err:find("nesting deeper than 1000", 1, true), err)
assert(json.decode(string.rep("[", 1000) .. string.rep("]", 1000)))

-- syntax errors
s, err = json.decode("{")
assert(s == nil and err:find("invalid JSON", 1, true), err)
s, err = json.decode('{"a":1,}')
assert(s == nil and err:find("invalid JSON at offset", 1, true), err)
s, err = json.decode("[1] [2]")
assert(s == nil and err:find("after top-level value", 1, true), err)
s, err = json.decode("")
assert(s == nil and err:find("unexpected end of input", 1, true), err)

-- misuse raises, with the caller's position
local e = fails(json.decode, 42)
assert(e:find("bad argument #1", 1, true), e)
e = fails(json.decode)
assert(e:find("string expected, got nil", 1, true), e)
e = fails(json.encode, {}, "pretty")
assert(e:find("bad argument #2", 1, true), e)
e = fails(json.encode, {}, {indent = true})
assert(e:find("indent", 1, true), e)
e = fails(json.array, "x")
assert(e:find("table expected", 1, true), e)
e = fails(json.object, 1)
assert(e:find("table expected", 1, true), e)
local ok, pe = pcall(function() json.decode({}) end)
assert(not ok and tostring(pe):find("json_errors.lua:%d+"), tostring(pe))
