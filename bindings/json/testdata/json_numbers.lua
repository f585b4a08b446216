-- Numbers: integers exact up to 2^53; nothing inexact is ever rounded silently.
local json = require("json")

local p53 = 9007199254740992 -- 2^53

assert(json.encode(3) == "3")
assert(json.encode(3.0) == "3")
assert(json.encode(-7) == "-7")
assert(json.encode(0) == "0")
assert(json.encode(0.1) == "0.1")
assert(json.encode(1.5) == "1.5")
assert(json.encode(1e-7) == "1e-7")
assert(json.encode(1/3) == "0.3333333333333333")
assert(json.encode(p53) == "9007199254740992")
assert(json.encode(-p53) == "-9007199254740992")
assert(json.encode(2^60) == "1152921504606846976", "exact digits beyond 2^53")
assert(json.encode(1e15) == "1000000000000000")

assert(json.decode("9007199254740992") == p53)
assert(json.decode("-9007199254740992") == -p53)
assert(json.decode("0.1") == 0.1)
assert(json.decode("1e2") == 100)
assert(json.decode("18014398509481984") == 2^54, "exact beyond 2^53 is fine")
assert(json.encode(json.decode("[1.0,2.50,-0.0]")) == "[1,2.5,-0]")

-- numbers no Lua number holds exactly are json.number values keeping their text
for _, text in ipairs({ "9007199254740993", "1e400", "-1e400", "1e-400", "1152921504606847000",
    "0.30000000000000000001", "123456789012345678901234567890" }) do
  local n = json.decode(text)
  assert(type(n) == "userdata" and tostring(n) == text, text)
  assert(json.encode(n) == text, text)
end
local v, err = json.decode('{"a":{"b":[1,9007199254740993]}}')
assert(err == nil and json.encode(v) == '{"a":{"b":[1,9007199254740993]}}')

-- NaN and infinities cannot be encoded
v, err = json.encode({x = 0/0})
assert(v == nil and err:find("bad value at x:", 1, true), err)
v, err = json.encode({list = {1, 1/0}})
assert(v == nil and err:find("bad value at list[2]:", 1, true), err)
v, err = json.encode(-1/0)
assert(v == nil and err:find("bad value at (root)", 1, true), err)

-- integer arithmetic in Lua stays exact and encodes without a decimal point
local counter = json.decode('{"n":41}')
counter.n = counter.n + 1
assert(json.encode(counter) == '{"n":42}')
