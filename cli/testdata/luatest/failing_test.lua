-- A test file that fails on purpose: cli/test_test.go checks the report.
local t = require("testing")

t.fixture({ sora = { { connection_id = t.id("C1"), metadata = { status = "busy", seat = 3 } } } })

t.test("passes", function()
  local _, err = t.run("set_status.lua", { status = "away" })
  t.eq(err, nil)
  t.eq(t.metadata("sora", t.id("C1")).status, "away")
end)

t.test("wrong expectation", function()
  t.run("set_status.lua", { status = "away" })
  t.eq(t.metadata("sora", t.id("C1")), { status = "online", seat = 3 })
end)

t.test("script error", function()
  local _, err = t.run("set_status.lua", {})
  t.eq(err, nil, "the script must succeed")
end)
