local time = require("time")
time.sleep(60)
return "woke up"
