-- sora.batch: results in request order, mixed successes and failures.
-- Channel "sora": args.a {}, args.b {x = 1}, args.c {}; args.ids are
-- connections of channel "many" whose metadata is {i = <their index>}.
local sora = require("sora")
local json = require("json")
local A, B, C = args.a, args.b, args.c

local results, sum = sora.batch({
  {action = "put_item", channel_id = "sora", connection_id = A, key = "k", value = 1, push = true},
  {action = "put_item", channel_id = "sora", connection_id = args.missing, key = "k", value = 1},
  {action = "delete_item", channel_id = "sora", connection_id = B, key = "x"},
  {action = "list", channel_id = "nobody"},
  {action = "call", target = "ListChannels"},
  {action = "put", channel_id = "sora", connection_id = C, metadata = {z = true}},
  {action = "call", target = "Sora_20201124.GetSignalingNotifyMetadata", params = {channel_id = "many", connection_id = args.ids[1]}},
  {action = "get", channel_id = "nope", connection_id = A},
}, {concurrency = 3})
check.eq(#results, 8, "results")
check.eq(results[1], {ok = true, value = {k = 1}}, "1")
check.eq({results[2].ok, results[2].err.type, results[2].err.op}, {false, "connection_not_found", "sora.put_item"}, "2")
check.eq(json.encode(results[3].value), "{}", "3")
check.eq(json.encode(results[4]), '{"ok":true,"value":[]}', "4")
check.eq(results[5].value[1].channel_id ~= nil, true, "5")
check.eq(results[6], {ok = true, value = {z = true}}, "6")
check.eq(results[7], {ok = true, value = {i = 1}}, "7")
check.eq({results[8].ok, results[8].err.type}, {false, "connection_not_found"}, "8")
check.eq(sum, {requests = 8, ok = 6, failed = 1, gone = 1}, "summary: the put_item to a connection gone is not a failure")

-- many requests come back in request order
local reqs = {}
for i, id in ipairs(args.ids) do
  reqs[i] = {action = "get", channel_id = "many", connection_id = id}
end
results, sum = sora.batch(reqs)
for i, r in ipairs(results) do
  check.eq(r, {ok = true, value = {i = i}}, "order " .. i)
end
check.eq(sum.ok, #args.ids, "all ok")

-- an empty batch
results, sum = sora.batch({})
check.eq({json.encode(results), sum}, {"[]", {requests = 0, ok = 0, failed = 0, gone = 0}}, "empty")
