-- Tests of mark_busy.lua: run with `soracron test scripts/`.
local t = require("testing")

-- t.id makes a valid connection id (26 characters of Crockford base32) from
-- a short label: t.id("B1") is "000000000000000000000000B1".
local LONG, SHORT, IDLE = t.id("B1"), t.id("B2"), t.id("C1")

-- since is a Unix time; the tests run at now = 3600 with minutes = 10, so
-- "busy since before 3000" is long-busy.
t.fixture({
  sora = {
    { connection_id = LONG, metadata = { status = "busy", since = 0, role = "presenter" } },
    { connection_id = SHORT, metadata = { status = "busy", since = 3300 } },
    { connection_id = IDLE, metadata = {} },
  },
})

t.test("marks long-busy connections away and tells every client", function()
  local result, err = t.run("mark_busy.lua", { channel_id = "sora", minutes = 10 }, { now = 3600 })
  t.eq(err, nil)
  t.eq(result, { channel_id = "sora", checked = 3, marked_away = 1 })
  t.eq(t.metadata("sora", LONG), { status = "away", since = 0, role = "presenter" })
  t.eq(t.metadata("sora", SHORT), { status = "busy", since = 3300 })
  t.eq(t.metadata("sora", IDLE), {})

  -- One PutMetadataItem with push: delivered to each of the 3 connections.
  local pushes = t.pushes("sora")
  t.eq(#pushes, 3)
  for i, id in ipairs({ LONG, SHORT, IDLE }) do
    t.eq(pushes[i].connection_id, id)
    t.eq(pushes[i].message, {
      type = "push",
      data = {
        type = "signaling_notify_metadata_ext",
        action = "PutMetadataItem",
        connection_id = LONG,
        key = "status",
        value = "away",
      },
    })
  end

  -- One list, then one write: only the key that changed.
  local actions = {}
  for _, r in ipairs(t.requests()) do
    actions[#actions + 1] = r.action .. " " .. r.status
  end
  t.eq(actions, { "list 200", "put_item 200" })
end)

t.test("leaves connections alone while they are not busy long enough", function()
  t.now(600) -- cutoff is 0: nobody has been busy since before it
  local result, err = t.run("mark_busy.lua", { minutes = 10 })
  t.eq(err, nil)
  t.eq(result.marked_away, 0)
  t.eq(t.metadata("sora", LONG).status, "busy")
  t.eq(#t.pushes(), 0)
  t.eq(t.stats().writes, 0)
end)

t.test("push = false changes the metadata without pushing", function()
  local _, err = t.run("mark_busy.lua", { minutes = 10, push = false }, { now = 3600 })
  t.eq(err, nil)
  t.eq(t.metadata("sora", LONG).status, "away")
  t.eq(t.pushes("sora"), {})
end)

t.test("a dry run plans the change and writes nothing", function()
  local result, err = t.run("mark_busy.lua", { minutes = 10 }, { now = 3600, dry_run = true })
  t.eq(err, nil)
  t.eq(result.marked_away, 1)
  t.eq(t.metadata("sora", LONG).status, "busy")
  t.eq(#t.pushes(), 0)
  local plan = t.plan()
  t.eq(#plan.changes, 1)
  t.eq(plan.changes[1].connection_id, LONG)
  t.eq(plan.changes[1].changed, { status = { "busy", "away" } })
  t.truthy(plan.changes[1].push, "the planned write pushes")
end)

t.test("an empty channel is not an error", function()
  local result, err = t.run("mark_busy.lua", { channel_id = "nobody-here" }, { now = 3600 })
  t.eq(err, nil)
  t.eq(result, { channel_id = "nobody-here", checked = 0, marked_away = 0 })
end)

t.test("rejects a negative number of minutes", function()
  local result, err = t.run("mark_busy.lua", { minutes = -1 })
  t.eq(result, nil)
  t.eq(err.kind, "runtime")
  t.error_matches(err, "args%.minutes must be a non%-negative number")
  t.eq(#t.requests(), 0, "no request before the arguments are checked")
end)

-- The README's example, verbatim: readable ids such as "C1" work in fixtures.
t.fixture({ sora = { {connection_id = "C1", metadata = {status = "busy", since = 0}},
                     {connection_id = "C2", metadata = {}} } })
t.test("marks long-busy connections away", function()
  local result = t.run("mark_busy.lua", {channel_id = "sora", minutes = 10}, {now = 3600})
  t.eq(t.metadata("sora", "C1").status, "away")
  t.eq(#t.pushes("sora"), 2)          -- one PutMetadataItem per recipient
end)
