-- welcome.lua: run by Sora's event webhook when a connection joins
-- (jobs.yaml: `on: [connection.created]`). Sets joined_at (RFC 3339, UTC) on
-- the connection that joined, once: a repeated event changes nothing.
--
--   - name: welcome
--     on: [connection.created]
--     script: scripts/welcome.lua
--     concurrency_policy: allow     # one run per joining connection, in parallel
--     args: {push: false}
local sora = require("sora")
local time = require("time")
local log = require("log")

if event == nil then
  error("welcome.lua runs on events: give its job on: [connection.created] in jobs.yaml")
end
local channel, conn = event.channel_id, event.connection_id

local md, err = sora.get(channel, conn)
if md == nil then
  if err.type == "connection_not_found" then
    -- It left before we got to it: nothing to welcome.
    log.info("connection already gone", { connection_id = conn })
    return { connection_id = conn, gone = true }
  end
  error(err)
end
if md.joined_at ~= nil then
  return { connection_id = conn, joined_at = md.joined_at, already = true }
end
local joined_at = time.format(time.now())
assert(sora.put_item(channel, conn, "joined_at", joined_at, { push = args.push == true }))
log.info("welcomed", { connection_id = conn, joined_at = joined_at })
return { connection_id = conn, joined_at = joined_at }
