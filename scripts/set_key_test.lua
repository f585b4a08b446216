-- Tests of set_key.lua: run with `soracron test scripts/`.
local t = require("testing")
local json = require("json")

local A, B, C = t.id("A"), t.id("B"), t.id("C")

t.fixture({
  sora = {
    { connection_id = A, metadata = { role = "viewer", seat = 1 } },
    { connection_id = B, metadata = { role = "presenter" } },
    { connection_id = C },
  },
  other = {
    { metadata = { role = "presenter" } },
  },
})

t.test("sets the key where it differs, without push by default", function()
  local result, err = t.run("set_key.lua", { key = "role", value = "viewer" })
  t.eq(err, nil)
  t.eq(result, { channel_id = "sora", key = "role", connections = 3, changed = 2 })
  t.eq(t.metadata("sora", A), { role = "viewer", seat = 1 })
  t.eq(t.metadata("sora", B), { role = "viewer" })
  t.eq(t.metadata("sora", C), { role = "viewer" })
  t.eq(t.pushes(), {})
  -- A already had the value: no write for it.
  t.eq(t.stats().calls, { list = 1, put_item = 2 })
  -- Other channels are untouched.
  t.eq(t.connections("other")[1].metadata, { role = "presenter" })
end)

t.test("push = true pushes each change to every client", function()
  local result, err = t.run("set_key.lua", { key = "role", value = "viewer", push = true })
  t.eq(err, nil)
  t.eq(result.changed, 2)
  local pushes = t.pushes("sora")
  t.eq(#pushes, 6) -- 2 writes x 3 recipients
  local changed = {}
  for _, p in ipairs(pushes) do
    t.eq(p.message.data.action, "PutMetadataItem")
    changed[p.message.data.connection_id] = true
  end
  t.eq(changed, { [B] = true, [C] = true })
end)

t.test("keeps the JSON type of the value", function()
  local _, err = t.run("set_key.lua", { key = "seat", value = 12 })
  t.eq(err, nil)
  t.eq(t.metadata("sora", B).seat, 12)
  _, err = t.run("set_key.lua", { key = "tags", value = json.array({ "a", "b" }) })
  t.eq(err, nil)
  t.eq(t.metadata("sora", C).tags, { "a", "b" })
  _, err = t.run("set_key.lua", { key = "note", value = json.null })
  t.eq(err, nil)
  t.eq(t.metadata("sora", A).note, json.null)
  t.ne(t.metadata("sora", A).note, nil, "null is kept, not dropped")
end)

t.test("requires key and value", function()
  local _, err = t.run("set_key.lua", { value = "x" })
  t.error_matches(err, "args%.key is required")
  _, err = t.run("set_key.lua", { key = "role" })
  t.error_matches(err, "args%.value is required")
  t.eq(t.requests(), {})
end)

t.test("a connection that has left is not written", function()
  t.disconnect("sora", B)
  local result, err = t.run("set_key.lua", { key = "role", value = "viewer" })
  t.eq(err, nil)
  t.eq(result.changed, 1)
  t.eq(t.metadata("sora", B), nil)
end)
