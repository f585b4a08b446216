-- Failures return nil, err; misuse raises. args.missing is not connected.
local sora = require("sora")
local M = args.missing

local md, err = sora.get("sora", M)
check.eq(md, nil, "get of a missing connection")
check.eq({err.status, err.type, err.target, err.op}, {400, "connection_not_found", "Sora_20201124.GetSignalingNotifyMetadata", "sora.get"}, "err fields")
check.contains(err.message, M, "message")
check.contains(tostring(err), "sora.get: Sora_20201124.GetSignalingNotifyMetadata: status 400 connection_not_found: ", "tostring")

-- every operation fails the same way
local ops = {
  {"sora.put", "PutSignalingNotifyMetadata", function() return sora.put("sora", M, {a = 1}) end},
  {"sora.delete", "DeleteSignalingNotifyMetadata", function() return sora.delete("sora", M) end},
  {"sora.put_item", "PutSignalingNotifyMetadataItem", function() return sora.put_item("sora", M, "k", 1) end},
  {"sora.delete_item", "DeleteSignalingNotifyMetadataItem", function() return sora.delete_item("sora", M, "k") end},
  {"sora.update", "GetSignalingNotifyMetadata", function() return sora.update("sora", M, function() error("not called") end) end},
  {"sora.call", "GetSignalingNotifyMetadata", function() return sora.call("GetSignalingNotifyMetadata", {channel_id = "sora", connection_id = M}) end},
}
for _, op in ipairs(ops) do
  local v, e = op[3]()
  check.eq(v, nil, op[1])
  check.eq({e.op, e.type, e.target}, {op[1], "connection_not_found", "Sora_20201124." .. op[2]}, op[1])
end
-- an invalid request is Sora's invalid_params
local v, e = sora.call("PutSignalingNotifyMetadata", {channel_id = "sora", connection_id = M, metadata = "no"})
check.eq(v, nil, "invalid_params")
check.eq({e.type, e.status}, {"invalid_params", 400}, "invalid_params")

-- assert(...) raises the error table, readable with tostring
local ok, raised = pcall(function()
  assert(sora.get("sora", M))
end)
check.eq({ok, raised.type, raised.op}, {false, "connection_not_found", "sora.get"}, "assert")
check.contains(tostring(raised), "sora.get: Sora_20201124.GetSignalingNotifyMetadata: status 400 connection_not_found", "assert message")

-- wrong arguments raise "bad argument"
local misuse = {
  {"get without connection", function() sora.get("sora") end, "bad argument #2 to get"},
  {"list of a table", function() sora.list({}) end, "bad argument #1 to list"},
  {"put of a string", function() sora.put("sora", M, "x") end, "bad argument #3 to put"},
  {"put of an array", function() sora.put("sora", M, {1, 2}) end, "bad argument #3 to put (metadata must be an object"},
  {"put of a function value", function() sora.put("sora", M, {f = print}) end, "bad argument #3 to put (metadata: "},
  {"put_item of nil", function() sora.put_item("sora", M, "k", nil) end, "bad argument #4 to put_item (value expected, got nil"},
  {"push not a boolean", function() sora.put_item("sora", M, "k", 1, {push = "yes"}) end, "bad argument #5 to put_item (push must be a boolean"},
  {"unknown option", function() sora.delete("sora", M, {puhs = true}) end, "bad argument #3 to delete (unknown option puhs"},
  {"options not a table", function() sora.delete_item("sora", M, "k", true) end, "bad argument #4 to delete_item"},
  {"update without fn", function() sora.update("sora", M, {}) end, "bad argument #3 to update"},
  {"update_all without fn", function() sora.update_all("sora") end, "bad argument #2 to update_all"},
  {"bad concurrency", function() sora.update_all("sora", print, {concurrency = 0}) end, "concurrency must be a positive integer"},
  {"batch of a string", function() sora.batch("x") end, "bad argument #1 to batch"},
  {"batch entry", function() sora.batch({1}) end, "requests[1] must be a table"},
  {"batch action", function() sora.batch({{action = "nope", channel_id = "c"}}) end, "requests[1]: unknown action \"nope\""},
  {"batch field", function() sora.batch({{action = "get", chanel_id = "c"}}) end, "requests[1]: unknown field chanel_id"},
  {"batch missing", function() sora.batch({{action = "get", channel_id = "c"}}) end, "requests[1]: connection_id missing"},
  {"batch value", function() sora.batch({{action = "put_item", channel_id = "c", connection_id = "x", key = "k"}}) end, "requests[1]: value expected"},
  {"call unknown target", function() sora.call("NoSuchThing") end, "bad argument #1 to call (sora: unknown target"},
  {"call params", function() sora.call("ListChannels", "x") end, "bad argument #2 to call"},
  {"call array params", function() sora.call("ListChannels", {1}) end, "bad argument #2 to call (params must be an object"},
}
for _, c in ipairs(misuse) do
  local ok, msg = pcall(c[2])
  check.eq(ok, false, c[1])
  check.contains(msg, c[3], c[1])
  check.contains(msg, "sora_errors.lua:", c[1])
end

-- errors of the function given to update propagate
local ok, msg = pcall(sora.update, "sora", args.a, function() error("boom") end)
check.eq(ok, false, "fn error")
check.contains(msg, "boom", "fn error")
local ok, msg = pcall(sora.update, "sora", args.a, function() return 42 end)
check.contains(msg, "sora.update: the function must return a table, nil or false, got number", "fn result")
local ok, msg = pcall(sora.update, "sora", args.a, function() return {[1] = "x", k = 1} end)
check.eq(ok, false, "mixed table")
