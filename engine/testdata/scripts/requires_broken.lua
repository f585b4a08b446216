local broken = require("lib.broken")
return broken
