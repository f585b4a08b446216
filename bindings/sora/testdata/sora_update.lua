-- sora.update writes only the keys that changed. args.a starts as
-- {seat = 3, status = "busy", stale = true, nested = {x = 1}, n = null}.
local sora = require("sora")
local json = require("json")
local A = args.a
local start = {seat = 3, status = "busy", stale = true, nested = {x = 1}, n = json.null}

-- nothing changed: no write, no push
local md, n = sora.update("sora", A, function(md) end, {push = true})
check.eq({md, n}, {start, 0}, "no change")
-- the same values in a new table: no write
md, n = sora.update("sora", A, function(md)
  return {seat = 3, status = "busy", stale = true, nested = {x = 1}, n = json.null}
end, {push = true})
check.eq({md, n}, {start, 0}, "equal new table")
-- false leaves the connection alone even after changes to the copy
md, n = sora.update("sora", A, function(md) md.seat = 99; md.nested.x = 5; return false end, {push = true})
check.eq({md, n}, {start, 0}, "false")

-- in place: one key changed, one removed, one set to the same value
md, n = sora.update("sora", A, function(md)
  md.status = "away"
  md.stale = nil
  md.seat = 3
end, {push = true})
check.eq(n, 2, "writes")
check.eq(md, {seat = 3, status = "away", nested = {x = 1}, n = json.null}, "after")

-- a change deep inside a table value is a change of its key
md, n = sora.update("sora", A, function(md) md.nested.x = 2 end, {push = true})
check.eq({n, md.nested}, {1, {x = 2}}, "nested")

-- a returned table replaces the metadata: one key added, one removed (no push)
md, n = sora.update("sora", A, function(md)
  return {seat = 3, status = "away", nested = {x = 2}, n = json.null, role = "presenter", extra = json.array()}
end)
check.eq(n, 2, "returned table")
check.eq(json.encode(md), '{"extra":[],"n":null,"nested":{"x":2},"role":"presenter","seat":3,"status":"away"}', "after returned table")
-- a null becoming a value is a change; an empty array becoming {} too
md, n = sora.update("sora", A, function(md) md.n = 0; md.extra = json.object() end)
check.eq({n, json.encode(md.extra), md.n}, {2, "{}", 0}, "null and kinds")
