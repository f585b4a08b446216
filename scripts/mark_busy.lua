-- mark_busy.lua: a conditional automation.
--
-- Connections whose metadata says status = "busy" for longer than N minutes
-- (the Unix time in `since` is older than N minutes ago) are marked "away",
-- and every client of the channel is told (push). Connections that are not
-- long-busy are left alone: no request, no push.
--
--   soracron run --emulator scripts/mark_busy.lua --arg minutes=10
--
-- args:
--   channel_id  channel to scan                 (default "sora")
--   minutes     how long "busy" may last        (default 10)
--   push        push the change to the clients  (default true)
local sora = require("sora")
local log = require("log")
local time = require("time")

local channel_id = args.channel_id or "sora"
local minutes = tonumber(args.minutes or 10)
if not minutes or minutes < 0 then
  error("args.minutes must be a non-negative number, got " .. tostring(args.minutes))
end
local push = args.push ~= false and args.push ~= "false"
local cutoff = time.now() - minutes * 60

-- update_all lists the channel once, calls the function for each connection
-- and writes only the keys that changed. Returning nil skips a connection.
local summary = assert(sora.update_all(channel_id, function(md, conn)
  if md.status == "busy" and type(md.since) == "number" and md.since < cutoff then
    md.status = "away"
    return md
  end
  return nil
end, { push = push }))

log.info("marked long-busy connections away", {
  channel_id = channel_id, connections = summary.connections, changed = summary.changed,
})
if summary.failed > 0 then
  error(string.format("%d of %d connections were not updated", summary.failed, summary.changed))
end
return { channel_id = channel_id, checked = summary.connections, marked_away = summary.changed }
