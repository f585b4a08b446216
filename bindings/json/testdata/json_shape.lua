-- Objects stay objects and arrays stay arrays, including empty ones.
local json = require("json")

local function kind(v)
  if json.is_array(v) then return "array" end
  if json.is_object(v) then return "object" end
  return "neither"
end

-- empty ones round-trip
assert(json.encode(json.decode("{}")) == "{}")
assert(json.encode(json.decode("[]")) == "[]")
assert(kind(json.decode("{}")) == "object")
assert(kind(json.decode("[]")) == "array")
assert(json.encode(json.decode('{"a":{},"b":[],"c":[{}],"d":{"e":[]}}')) == '{"a":{},"b":[],"c":[{}],"d":{"e":[]}}')

-- a decoded object whose keys are emptied stays an object; an emptied array stays an array
local o = json.decode('{"x":1}')
o.x = nil
assert(json.encode(o) == "{}")
local a = json.decode("[1,2]")
a[2] = nil; a[1] = nil
assert(json.encode(a) == "[]")

-- decoded array grows with table.insert and stays an array
local arr = json.decode("[]")
table.insert(arr, "x")
arr[#arr + 1] = 2
assert(json.encode(arr) == '["x",2]')

-- json.array / json.object mark tables and return them
local t = {}
assert(json.array(t) == t)
assert(json.encode(t) == "[]" and json.is_array(t) and not json.is_object(t))
assert(json.encode(json.object({})) == "{}")
assert(json.encode(json.array()) == "[]")
assert(json.encode(json.object()) == "{}")
-- re-marking is allowed
assert(json.encode(json.object(json.array({}))) == "{}")
-- a custom metatable can carry the marker field
local classy = setmetatable({}, {__jsontype = "array", __index = {}})
assert(json.encode(classy) == "[]")
-- but json.array refuses a table with a foreign metatable
assert(not pcall(json.array, setmetatable({}, {})))

-- unmarked inference
assert(json.encode({}) == "{}", "unmarked empty table is an object")
assert(kind({}) == "object")
assert(json.encode({1, 2, 3}) == "[1,2,3]")
assert(kind({1, 2}) == "array")
assert(json.encode({b = 1, a = 2}) == '{"a":2,"b":1}', "keys sorted")
assert(kind({a = 1}) == "object")
assert(kind({1, a = 2}) == "neither")
assert(kind({[1.5] = 1}) == "neither")
assert(kind(json.null) == "neither" and kind("x") == "neither" and kind(nil) == "neither")

-- decoded values keep their kind through nested edits
local md = json.decode('{"tags":[],"profile":{}}')
md.tags[1] = "a"
md.profile.name = "n"
md.extra = json.array()
assert(json.encode(md) == '{"extra":[],"profile":{"name":"n"},"tags":["a"]}')

-- shared (non-cyclic) sub-tables encode twice
local shared = {1, 2}
assert(json.encode({a = shared, b = shared}) == '{"a":[1,2],"b":[1,2]}')
assert(json.encode({shared, shared}) == "[[1,2],[1,2]]")

-- deep nesting round-trips up to the limit
local deep = string.rep("[", 500) .. string.rep("]", 500)
assert(json.encode(json.decode(deep)) == deep)

-- key order is deterministic (sorted bytewise)
assert(json.encode({z = 1, a = 1, B = 1, ["é"] = 1, ["1"] = 1}) == '{"1":1,"B":1,"a":1,"z":1,"é":1}')

-- decoded objects iterate in document order
local order = {}
for k in pairs(json.decode('{"c":1,"a":2,"b":3}')) do order[#order + 1] = k end
assert(table.concat(order, ",") == "c,a,b", table.concat(order, ","))

-- indent option
assert(json.encode({a = {1}}, {indent = "  "}) == '{\n  "a": [\n    1\n  ]\n}')
assert(json.encode({a = 1}, {indent = 1}) == '{\n "a": 1\n}')
