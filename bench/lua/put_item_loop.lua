-- put_item_loop.lua: set one key on every connection of a channel the
-- straightforward way — one list, then sora.put_item for each connection,
-- one after the other.
--
-- args: channel_id (default "sora"), key, value.
-- Returns {connections, writes, list_seconds, seconds}; seconds times the
-- write loop only.
local sora = require("sora")
local time = require("time")

local ch, key, value = args.channel_id or "sora", args.key, args.value
assert(type(key) == "string" and value ~= nil, "args.key and args.value are required")

local t0 = time.now()
local conns = assert(sora.list(ch))
local t1 = time.now()
local writes = 0
for _, c in ipairs(conns) do
  assert(sora.put_item(ch, c.connection_id, key, value))
  writes = writes + 1
end
local t2 = time.now()

return { connections = #conns, writes = writes, list_seconds = t1 - t0, seconds = t2 - t1 }
