-- Counts its attempts in the metadata key "attempts"; fails until the
-- count reaches args.succeed_at.
local sora = require("sora")
local md = assert(sora.get(args.channel_id, args.connection_id))
local n = (md.attempts or 0) + 1
assert(sora.put_item(args.channel_id, args.connection_id, "attempts", n))
if n < args.succeed_at then
  error("not yet: attempt " .. n)
end
return n
