-- update_all.lua: set one key on every connection of a channel with
-- sora.update_all (which lists the channel, then writes concurrently).
--
-- args: channel_id (default "sora"), key, value, concurrency.
-- Returns {connections, writes, failed, seconds}; seconds times the
-- update_all call, which includes its one list request.
local sora = require("sora")
local time = require("time")

local ch, key, value = args.channel_id or "sora", args.key, args.value
assert(type(key) == "string" and value ~= nil, "args.key and args.value are required")

local t0 = time.now()
local s = assert(sora.update_all(ch, function(md)
  md[key] = value
  return md
end, { concurrency = tonumber(args.concurrency) }))
local t1 = time.now()

if s.failed > 0 then
  error(string.format("%d connections were not written", s.failed))
end
return { connections = s.connections, writes = s.writes, failed = s.failed, seconds = t1 - t0, includes_list = true }
