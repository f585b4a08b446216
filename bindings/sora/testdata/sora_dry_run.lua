-- A dry run: nothing is written, later reads see the planned writes.
-- Channel "sora": args.a {seat = 3, stale = true}, args.b {role = "viewer"},
-- args.c {}.
local sora = require("sora")
local json = require("json")
local A, B, C = args.a, args.b, args.c
check.eq(sora.dry_run, true, "dry_run")

-- writes return what Sora would have returned
check.eq(assert(sora.put_item("sora", A, "status", "away", {push = true})), {seat = 3, stale = true, status = "away"}, "put_item")
check.eq(assert(sora.get("sora", A)), {seat = 3, stale = true, status = "away"}, "get sees the overlay")
local md, n = sora.update("sora", A, function(md) md.seat = 4; md.stale = nil end)
check.eq({md, n}, {{seat = 4, status = "away"}, 2}, "update")
check.eq(assert(sora.delete("sora", B)), {role = "viewer"}, "delete returns before")
check.eq(json.encode(assert(sora.get("sora", B))), "{}", "deleted")
-- a write that changes nothing is still a planned write
check.eq(assert(sora.put("sora", C, {})), {}, "put of {}")

-- list sees the overlay
local list = assert(sora.list("sora"))
local by = {}
for _, c in ipairs(list) do by[c.connection_id] = c.metadata end
check.eq(by[A], {seat = 4, status = "away"}, "list A")
check.eq(json.encode(by[B]), "{}", "list B")

-- failures are those of a real run
local v, err = sora.put_item("sora", args.missing, "k", 1)
check.eq(v, nil, "missing")
check.eq({err.type, err.target}, {"connection_not_found", "Sora_20201124.PutSignalingNotifyMetadataItem"}, "missing")

-- call: reads are sent, metadata actions use the overlay, other targets are refused
check.eq(assert(sora.call("ListChannels"))[1].channel_id, "sora", "ListChannels")
check.eq(assert(sora.call("PutSignalingNotifyMetadataItem", {channel_id = "sora", connection_id = C, key = "k", value = 1})), {k = 1}, "call PutItem")
check.eq(assert(sora.call("GetSignalingNotifyMetadata", {channel_id = "sora", connection_id = C})), {k = 1}, "call Get")
v, err = sora.call("PushChannel", {channel_id = "sora", data = {}})
check.eq(v, nil, "PushChannel")
check.eq({err.type, err.status}, {"dry_run", 0}, "PushChannel")
check.contains(tostring(err), "sora.call: Sora_20160711.PushChannel: dry run: not sent", "dry_run text")

-- update_all sees the overlay and plans its writes
local sum = sora.update_all("sora", function(md, c)
  if c.connection_id == A then
    check.eq(md, {seat = 4, status = "away"}, "update_all sees A")
    return nil
  end
  if c.connection_id == C then
    md.k = nil
    md.k2 = json.null
    return md
  end
end, {push = true})
check.eq({sum.connections, sum.changed, sum.writes, sum.written}, {3, 1, 2, {C}}, "update_all")

-- batch: applied in order on the overlay
local results, bsum = sora.batch({
  {action = "put_item", channel_id = "sora", connection_id = B, key = "a", value = 1},
  {action = "get", channel_id = "sora", connection_id = B},
  {action = "delete_item", channel_id = "sora", connection_id = B, key = "a"},
  {action = "put_item", channel_id = "sora", connection_id = B, key = "b", value = {1, 2}},
  {action = "put_item", channel_id = "sora", connection_id = args.missing, key = "k", value = 1},
  {action = "call", target = "PushChannel", params = {channel_id = "sora", data = {}}},
  {action = "list", channel_id = "sora"},
})
check.eq(results[1], {ok = true, value = {a = 1}}, "batch 1")
check.eq(results[2], {ok = true, value = {a = 1}}, "batch 2")
check.eq(json.encode(results[3].value), "{}", "batch 3")
check.eq(results[4], {ok = true, value = {b = {1, 2}}}, "batch 4")
check.eq({results[5].ok, results[5].err.type}, {false, "connection_not_found"}, "batch 5")
check.eq({results[6].ok, results[6].err.type}, {false, "dry_run"}, "batch 6")
check.eq(#results[7].value, 3, "batch 7")
check.eq(bsum, {requests = 7, ok = 5, failed = 1, gone = 1}, "batch summary")
