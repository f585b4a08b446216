-- Returns the run's context (the module run) as one line.
local run = require("run")
return string.format("job=%s trigger=%s scheduled=%s id=%s node=%s",
  tostring(run.job), tostring(run.trigger), tostring(run.scheduled), tostring(run.id), tostring(run.node))
