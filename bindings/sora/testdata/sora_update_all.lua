-- sora.update_all over channel "sora": args.a {seat = 1}, args.b {seat = 2},
-- args.c {seat = 3}. remove(id) (from Go) disconnects a connection.
local sora = require("sora")
local json = require("json")
local A, B, C = args.a, args.b, args.c

local seen = {}
local sum = sora.update_all("sora", function(md, c)
  seen[#seen + 1] = c.connection_id
  check.eq(c.metadata, md, "connection carries the metadata")
  if md.seat == 2 then return nil end -- skip B
  if md.seat == 3 then return md end -- C: unchanged
  md.seat = md.seat + 10
  md.role = "x"
  return md
end, {push = true, concurrency = 4})
check.eq(#seen, 3, "fn called for every connection")
check.eq(sum, {connections = 3, changed = 1, unchanged = 2, writes = 2, failed = 0, gone = 0, not_reached = 0, errors = json.array(),
  written = {A}, not_written = json.array(), gone_ids = json.array(), not_reached_ids = json.array()}, "summary")
check.eq(sora.get("sora", A), {seat = 11, role = "x"}, "A after")

-- a returned new table; false skips
sum = sora.update_all("sora", function(md, c)
  if c.connection_id == A then return false end
  return {seat = md.seat, tag = c.connection_id}
end)
table.sort(sum.written)
local want = {B, C}
table.sort(want)
check.eq({sum.changed, sum.writes, sum.written}, {2, 2, want}, "new tables")

-- a connection that went away is gone, not failed; the others go through
-- (changed in place, nothing returned)
sum = sora.update_all("sora", function(md, c)
  if c.connection_id == B then remove(B) end
  md.seat = (md.seat or 0) + 100
  md.gone = c.connection_id == B
end, {concurrency = 2})
check.eq({sum.connections, sum.changed, sum.failed, sum.gone, sum.not_reached}, {3, 3, 0, 1, 0}, "gone summary")
check.eq(#sum.written, 2, "written")
check.eq(sum.gone_ids, {B}, "gone_ids")
check.eq(sum.not_written, json.array(), "not_written")
check.eq(#sum.errors, 0, "errors")
check.eq(sum.writes, 4, "writes of the two others")

-- an error in fn propagates once the writes in flight have ended (channel
-- "other" has 3 connections)
local calls = 0
local ok, msg = pcall(sora.update_all, "other", function(md, c)
  calls = calls + 1
  if calls == 2 then error("boom") end
  md.seat = 0
  return md
end)
check.eq({ok, calls}, {false, 2}, "fn error")
check.contains(msg, "boom", "fn error message")
-- a wrong result is misuse
ok, msg = pcall(sora.update_all, "sora", function() return "x" end)
check.contains(msg, "sora.update_all: the function must return a table, nil or false, got string", "fn result")
