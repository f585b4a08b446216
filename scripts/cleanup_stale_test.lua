-- Tests of cleanup_stale.lua: run with `soracron test scripts/`.
local t = require("testing")

local P, V, R = t.id("P1"), t.id("V1"), t.id("R1")

t.fixture({
  sora = {
    { connection_id = P, metadata = { status = "busy", tmp_upload = "slide-3.pdf", role = "presenter" } },
    { connection_id = V, metadata = { status = "online", role = "viewer", not_tmp_ = 1 } },
    { connection_id = R, metadata = { role = "viewer", draft = true, tmp_cursor = { 12, 40 } } },
  },
})

t.test("removes tmp_ keys and drafts, one DeleteItem per key", function()
  local result, err = t.run("cleanup_stale.lua")
  t.eq(err, nil)
  t.eq(result, { channel_id = "sora", connections_cleaned = 2, keys_removed = 3 })
  t.eq(t.metadata("sora", P), { status = "busy", role = "presenter" })
  t.eq(t.metadata("sora", V), { status = "online", role = "viewer", not_tmp_ = 1 }, "tmp_ inside a key is not a prefix")
  t.eq(t.metadata("sora", R), { role = "viewer" })
  t.eq(t.stats().calls, { list = 1, delete_item = 3 })
  t.eq(t.pushes(), {}, "no push unless asked")
end)

t.test("push = true pushes every removal", function()
  local _, err = t.run("cleanup_stale.lua", { push = true })
  t.eq(err, nil)
  local removed = {}
  for _, p in ipairs(t.pushes("sora")) do
    t.eq(p.message.data.action, "DeleteMetadataItem")
    if p.connection_id == V then -- count each delivery once
      removed[#removed + 1] = p.message.data.connection_id .. " " .. p.message.data.key
    end
  end
  table.sort(removed)
  t.eq(removed, { P .. " tmp_upload", R .. " draft", R .. " tmp_cursor" })
end)

t.test("an empty prefix and a list of keys remove only those keys", function()
  local result, err = t.run("cleanup_stale.lua", { prefix = "", keys = { "status" } })
  t.eq(err, nil)
  t.eq(result.keys_removed, 2)
  t.eq(t.metadata("sora", P), { tmp_upload = "slide-3.pdf", role = "presenter" })
  t.eq(t.metadata("sora", R).tmp_cursor, { 12, 40 })
end)

t.test("a dry run plans the removals", function()
  local _, err = t.run("cleanup_stale.lua", nil, { dry_run = true })
  t.eq(err, nil)
  t.eq(t.metadata("sora", P).tmp_upload, "slide-3.pdf")
  local removed = {}
  for _, c in ipairs(t.plan().changes) do
    removed[c.connection_id] = c.removed
  end
  t.eq(removed, {
    [P] = { tmp_upload = "slide-3.pdf" },
    [R] = { draft = true, tmp_cursor = { 12, 40 } },
  })
end)
