-- Strings: UTF-8 kept as is, unicode keys round-trip, invalid UTF-8 is an error.
local json = require("json")

local doc = '{"名前":"ソラ","emoji":"😀","mixed":"a\\"b\\\\c\\n\\t\\u0001"}'
local v = assert(json.decode(doc))
assert(v["名前"] == "ソラ")
assert(v.emoji == "😀")
assert(v.mixed == 'a"b\\c\n\t\1')
assert(json.encode(v) == '{"emoji":"😀","mixed":"a\\"b\\\\c\\n\\t\\u0001","名前":"ソラ"}', json.encode(v))

-- escapes decode to UTF-8
assert(json.decode('"\\u00e9\\ud83d\\ude00"') == "é😀")
-- no HTML escaping
assert(json.encode("<a&b>") == '"<a&b>"')

-- invalid UTF-8 values and keys are errors naming the key
local s, err = json.encode({name = "ok", bad = "\255"})
assert(s == nil and err:find("bad value at bad:", 1, true), err)
s, err = json.encode({list = {"x", "\192"}})
assert(s == nil and err:find("bad value at list[2]:", 1, true), err)
s, err = json.encode({["\255"] = 1})
assert(s == nil and err:find("key is not valid UTF-8", 1, true), err)

-- invalid UTF-8 input is a decode error
s, err = json.decode('"\255"')
assert(s == nil and err:find("UTF-8", 1, true), err)

-- keys that are not identifiers are quoted in paths
s, err = json.encode({["x-y"] = {f = print}})
assert(s == nil and err:find('bad value at ["x-y"].f:', 1, true), err)
