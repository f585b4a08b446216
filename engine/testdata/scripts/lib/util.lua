-- A helper module: counts how often it is executed in a run.
util_loads = (util_loads or 0) + 1

local M = {}

function M.greet(name)
  return "hello, " .. name
end

function M.fail(msg)
  error(msg)
end

return M
