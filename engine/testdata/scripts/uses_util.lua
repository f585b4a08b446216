local util = require("lib.util")
local again = require("lib.util")
return {
  greeting = util.greet("sora"),
  same = util == again,
  loads = util_loads,
  loaded = package.loaded["lib.util"] == util,
}
