-- Sleeps args.seconds (a cancelled run stops at once).
local time = require("time")
time.sleep(args.seconds or 60)
return "slept"
