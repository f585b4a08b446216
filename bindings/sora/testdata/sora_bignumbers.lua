-- Numbers no Lua number holds exactly, on every path of the sora module:
-- args.a has {"big": 9007199254740993, "ts": 1733300000123456789, "seat": 1},
-- args.b is empty.
local sora = require("sora")
local json = require("json")
local A, B = args.a, args.b
local BIG, TS = "9007199254740993", "1733300000123456789"

-- list and get
local list = assert(sora.list("sora"))
for _, c in ipairs(list) do
  if c.connection_id == A then check.eq(tostring(c.metadata.big), BIG, "list") end
end
local md = assert(sora.get("sora", A))
check.eq({tostring(md.big), tostring(md.ts)}, {BIG, TS}, "get")
check.eq(md.big < md.ts, true, "compare")

-- sora.call
local v = assert(sora.call("GetSignalingNotifyMetadata", {channel_id = "sora", connection_id = A}))
check.eq(tostring(v.big), BIG, "call")

-- update of another key: one write (seat), the reply keeps the number
local after, writes = assert(sora.update("sora", A, function(m) m.seat = 2 end))
check.eq({writes, tostring(after.big), after.seat}, {1, BIG, 2}, "update")

-- update_all in place, of another key: one write per connection
local sum = assert(sora.update_all("sora", function(m) if m.seat then m.seat = m.seat + 1 end end))
check.eq({sum.changed, sum.writes, sum.failed}, {1, 1, 0}, "update_all")

-- a write's reply, and a copy with put(get())
local reply = assert(sora.put_item("sora", B, "copy", md.big))
check.eq(tostring(reply.copy), BIG, "put_item reply")
assert(sora.put("sora", B, assert(sora.get("sora", A))))

-- batch
local results = sora.batch({{action = "get", channel_id = "sora", connection_id = B}})
check.eq(tostring(results[1].value.ts), TS, "batch")

-- arithmetic is refused, naming what to do
local ok, msg = pcall(function() return md.big * 2 end)
check.eq(ok, false, "arithmetic")
check.contains(msg, "json.number: " .. BIG .. " cannot be used in arithmetic exactly; use tostring(x) or json.to_number(x)", "message")
