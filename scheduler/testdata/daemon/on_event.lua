-- Appends the event's id to the metadata key "order" of its connection (a
-- read, then a write: runs of one connection that overlapped would lose ids).
local sora = require("sora")
local md = assert(sora.get(event.channel_id, event.connection_id))
local order = md.order or ""
assert(sora.put_item(event.channel_id, event.connection_id, "order", order .. event.id .. ";"))
if args.sleep then require("time").sleep(args.sleep) end
return { type = event.type, connection_id = event.connection_id }
