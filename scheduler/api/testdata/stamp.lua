-- Counts its runs in the metadata key "runs" of one connection.
local sora = require("sora")
local log = require("log")
local md = assert(sora.get(args.channel_id, args.connection_id))
local n = (md.runs or 0) + 1
assert(sora.put_item(args.channel_id, args.connection_id, "runs", n))
log.info("stamped", { runs = n })
return { runs = n }
