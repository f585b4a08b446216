-- Every function of the sora module against the emulator. Connections in
-- channel "sora": args.a {seat = 3, tags = ["a"]}, args.b {}.
local sora = require("sora")
local json = require("json")
local A, B = args.a, args.b

check.eq(sora.dry_run, false, "dry_run")

-- list: one entry per connection, with ids and metadata
local list = assert(sora.list("sora"))
check.eq(#list, 2, "list length")
table.sort(list, function(x, y) return x.connection_id < y.connection_id end)
check.eq(list[1], {connection_id = A, client_id = A, bundle_id = A, metadata = {seat = 3, tags = {"a"}}}, "list[1]")
check.eq(json.encode(list[2].metadata), "{}", "empty metadata stays an object")
check.eq(json.encode(assert(sora.list("nobody"))), "[]", "empty channel is an empty array")

-- get
check.eq(assert(sora.get("sora", A)), {seat = 3, tags = {"a"}}, "get")

-- put returns the metadata after; json.null survives
check.eq(assert(sora.put("sora", B, {role = "viewer", n = json.null})), {n = json.null, role = "viewer"}, "put")
-- put_item returns the metadata after
check.eq(assert(sora.put_item("sora", B, "seat", 7, {push = true})), {n = json.null, role = "viewer", seat = 7}, "put_item")
-- a table value, an empty array and an empty object keep their kind
check.eq(json.encode(assert(sora.put_item("sora", B, "t", {list = json.array(), obj = json.object()})).t),
  '{"list":[],"obj":{}}', "put_item table value")
-- delete_item returns the metadata after
check.eq(assert(sora.delete_item("sora", B, "n")), {role = "viewer", seat = 7, t = {list = json.array(), obj = {}}}, "delete_item")
check.eq(assert(sora.delete_item("sora", B, "t")), {role = "viewer", seat = 7}, "delete_item t")
-- deleting an absent key changes nothing
check.eq(assert(sora.delete_item("sora", B, "absent")), {role = "viewer", seat = 7}, "delete_item absent")
-- delete returns the metadata before
check.eq(assert(sora.delete("sora", A, {push = true})), {seat = 3, tags = {"a"}}, "delete")
check.eq(json.encode(assert(sora.get("sora", A))), "{}", "get after delete")
-- a retried delete returns {}
check.eq(json.encode(assert(sora.delete("sora", A))), "{}", "delete again")

-- call: short and full targets, params optional
local channels = assert(sora.call("ListChannels"))
check.eq(channels[1].channel_id, "sora", "ListChannels")
check.eq(assert(sora.call("Sora_20201124.GetSignalingNotifyMetadata", {channel_id = "sora", connection_id = B})),
  {role = "viewer", seat = 7}, "call Get")
check.eq(assert(sora.call("PutSignalingNotifyMetadataItem", {channel_id = "sora", connection_id = B, key = "x", value = false})),
  {role = "viewer", seat = 7, x = false}, "call PutItem")
