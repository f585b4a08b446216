-- Logs and fails with a secret (the same value as the Authorization header).
local log = require("log")
log.info("using token " .. args.token, { token = args.token })
error("request with " .. args.token .. " failed")
