-- Tests of welcome.lua: run with `soracron test scripts/`.
local t = require("testing")

local NEW, OLD = t.id("N1"), t.id("O1")
t.fixture({
  sora = {
    { connection_id = NEW, metadata = { role = "viewer" } },
    { connection_id = OLD, metadata = { joined_at = "2025-01-01T00:00:00Z" } },
  },
})

-- created is the event Sora sends when conn joins channel sora.
local function created(conn)
  return { type = "connection.created", channel_id = "sora", connection_id = conn, id = "E-" .. conn }
end

t.test("sets joined_at on the connection that joined", function()
  local result, err = t.run("welcome.lua", {}, { now = 1764000000, event = created(NEW) })
  t.eq(err, nil)
  t.eq(result, { connection_id = NEW, joined_at = "2025-11-24T16:00:00Z" })
  t.eq(t.metadata("sora", NEW), { role = "viewer", joined_at = "2025-11-24T16:00:00Z" })
  t.eq(#t.pushes("sora"), 0)
end)

t.test("leaves a connection that already has joined_at alone", function()
  local result, err = t.run("welcome.lua", {}, { now = 1764000000, event = created(OLD) })
  t.eq(err, nil)
  t.eq(result.already, true)
  t.eq(t.metadata("sora", OLD), { joined_at = "2025-01-01T00:00:00Z" })
end)

t.test("a connection that left is not an error", function()
  local result, err = t.run("welcome.lua", {}, { event = created(t.id("GONE")) })
  t.eq(err, nil)
  t.eq(result.gone, true)
end)

t.test("refuses to run without an event", function()
  local result, err = t.run("welcome.lua")
  t.eq(result, nil)
  t.error_matches(err, "runs on events")
end)
