-- cleanup_stale.lua: a clean-up automation.
--
-- Removes leftover keys from every connection of a channel: keys that start
-- with a prefix (temporary state such as "tmp_upload") and keys named in a
-- list. Only connections that have such keys are written, one DeleteItem per
-- key removed.
--
--   soracron run --emulator scripts/cleanup_stale.lua --dry-run
--   soracron run --emulator scripts/cleanup_stale.lua --args-json '{"prefix":"tmp_","keys":["draft"]}'
--
-- args:
--   channel_id  channel to clean                      (default "sora")
--   prefix      remove keys starting with this        (default "tmp_"; "" disables)
--   keys        list of exact key names to remove     (default {"draft"})
--   push        push the changes to the clients       (default false)
local sora = require("sora")
local log = require("log")

local channel_id = args.channel_id or "sora"
local prefix = args.prefix
if prefix == nil then prefix = "tmp_" end
local names = {}
for _, k in ipairs(args.keys or { "draft" }) do names[k] = true end
local push = args.push == true or args.push == "true"

local function stale(key)
  return names[key] or (prefix ~= "" and key:sub(1, #prefix) == prefix)
end

local removed = 0
local summary = assert(sora.update_all(channel_id, function(md)
  local found = false
  for k in pairs(md) do
    if stale(k) then
      md[k] = nil
      removed = removed + 1
      found = true
    end
  end
  if found then return md end
  return nil
end, { push = push }))

log.info("removed stale keys", { channel_id = channel_id, keys = removed, connections = summary.changed })
if summary.failed > 0 then
  error(string.format("%d connections were not cleaned", summary.failed))
end
return { channel_id = channel_id, connections_cleaned = summary.changed, keys_removed = removed }
