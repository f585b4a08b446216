-- batch.lua: set one key on every connection of a channel with sora.batch:
-- one list, build the put_item requests, send them concurrently.
--
-- args: channel_id (default "sora"), key, value, concurrency.
-- Returns {connections, writes, failed, list_seconds, build_seconds,
-- seconds}; seconds times the sora.batch call only.
local sora = require("sora")
local time = require("time")

local ch, key, value = args.channel_id or "sora", args.key, args.value
assert(type(key) == "string" and value ~= nil, "args.key and args.value are required")

local t0 = time.now()
local conns = assert(sora.list(ch))
local t1 = time.now()
local reqs = {}
for i, c in ipairs(conns) do
  reqs[i] = { action = "put_item", channel_id = ch, connection_id = c.connection_id, key = key, value = value }
end
local t2 = time.now()
local _, s = sora.batch(reqs, { concurrency = tonumber(args.concurrency) })
local t3 = time.now()

if s.failed > 0 then
  error(string.format("%d of %d requests failed", s.failed, s.requests))
end
return {
  connections = #conns, writes = s.ok, failed = s.failed,
  list_seconds = t1 - t0, build_seconds = t2 - t1, seconds = t3 - t2,
}
