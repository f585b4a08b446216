-- json.number: the exact text of numbers no Lua number holds.
local json = require("json")

local md = json.decode('{"big":9007199254740993,"next":9007199254740995,"small":1,"ns":1733300000123456789}')
local big = md.big
assert(tostring(big) == "9007199254740993")
assert("id=" .. big == "id=9007199254740993")
assert(big .. "!" == "9007199254740993!")

-- == and < between json.numbers compare exact values
assert(big == json.decode("9007199254740993"))
assert(big == json.decode("9007199254740993.0"), "same value, other text")
assert(big ~= md.next)
assert(big < md.next and md.next > big and big <= md.next and not (md.next <= big))
assert(json.decode("-1e400") < json.decode("-9007199254740993"))
assert(json.decode("1e-400") < json.decode("0.30000000000000000001"))

-- against Lua numbers: wrap the Lua number with json.number
assert(big > json.number(2^53) and big < json.number(2^54))
assert(json.number(5) == json.number("5.0"))
assert(big ~= 9007199254740992, "never equal to a Lua number")
assert(not pcall(function() return big < 1 end), "Lua refuses < between userdata and number")

-- arithmetic is refused with an error saying what to do
local ok, msg = pcall(function() return big + 1 end)
assert(not ok and msg:find("json.number: 9007199254740993 cannot be used in arithmetic exactly; use tostring(x) or json.to_number(x)", 1, true), msg)
ok, msg = pcall(function() return 1 * md.next end)
assert(not ok and msg:find("9007199254740995 cannot be used in arithmetic", 1, true), msg)
ok = pcall(function() return -big end)
assert(not ok)

-- json.to_number rounds on request; tostring keeps the text
assert(json.to_number(big) == 2^53)
assert(json.to_number(json.decode("1e400")) == 1/0)
assert(json.to_number(7) == 7)
assert(tostring(md.ns) == "1733300000123456789")

-- encoding writes the text back byte for byte
assert(json.encode(md) == '{"big":9007199254740993,"next":9007199254740995,"ns":1733300000123456789,"small":1}')
assert(json.encode({ x = json.number("1.50") }) == '{"x":1.50}')

-- misuse
assert(not pcall(json.number, "12abc"))
assert(not pcall(json.number, {}))
assert(not pcall(json.to_number, "1"))
assert(getmetatable(big) == "json.number")
