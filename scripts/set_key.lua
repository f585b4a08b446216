-- set_key.lua: a bulk automation.
--
-- Sets one key to one value on every connection of a channel, concurrently.
-- Connections that already have that value are not written (and not pushed).
--
--   soracron run --emulator scripts/set_key.lua --arg key=room --arg value=blue
--   soracron run --emulator scripts/set_key.lua --args-json '{"key":"seat","value":12,"push":true}'
--
-- args:
--   channel_id   channel to update                      (default "sora")
--   key          metadata key to set                    (required)
--   value        value to set; with --args-json any JSON (required)
--   push         push the changes to the clients        (default false)
--   concurrency  requests in flight at once             (default: --concurrency)
local sora = require("sora")
local json = require("json")
local log = require("log")

local channel_id = args.channel_id or "sora"
local key, value = args.key, args.value
if type(key) ~= "string" or key == "" then
  error("args.key is required, e.g. --arg key=role")
end
if value == nil then
  error("args.value is required, e.g. --arg value=viewer or --args-json '{\"value\": 3}'")
end
local push = args.push == true or args.push == "true"

local summary = assert(sora.update_all(channel_id, function(md)
  md[key] = value
  return md
end, { push = push, concurrency = tonumber(args.concurrency) }))

log.info("set key on channel", { channel_id = channel_id, key = key, changed = summary.changed })
if summary.failed > 0 then
  error(string.format("%d connections were not updated: %s", summary.failed, json.encode(summary.not_written)))
end
return { channel_id = channel_id, key = key, connections = summary.connections, changed = summary.changed }
