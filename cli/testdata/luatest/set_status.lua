-- Sets status on every connection of channel sora, with push.
local sora = require("sora")
local status = args.status
if type(status) ~= "string" then
  error("args.status is required")
end
for _, c in ipairs(assert(sora.list("sora"))) do
  assert(sora.put_item("sora", c.connection_id, "status", status, { push = true }))
end
return { status = status }
