-- Fails on its first run, succeeds afterwards (counts its runs in the
-- metadata key "flips" of one connection).
local sora = require("sora")
local md = assert(sora.get(args.channel_id, args.connection_id))
local n = (md.flips or 0) + 1
assert(sora.put_item(args.channel_id, args.connection_id, "flips", n))
if n == 1 then
  error("first run fails")
end
return n
