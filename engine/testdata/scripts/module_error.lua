local util = require("lib.util")
util.fail("from the helper")
