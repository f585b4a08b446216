-- Sleeps args.seconds (context-aware: a cancelled or timed-out run stops).
local time = require("time")
local log = require("log")
log.info("sleeping", { seconds = args.seconds })
time.sleep(args.seconds or 60)
return "slept"
