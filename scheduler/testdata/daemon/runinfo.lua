-- Returns the run's context (the module run): what the daemon told it.
local run = require("run")
return {job = run.job, trigger = run.trigger, scheduled = run.scheduled, id = run.id, node = run.node}
