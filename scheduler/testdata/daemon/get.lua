-- One API call (used against a server that never answers).
local sora = require("sora")
assert(sora.get("sora", "0FQE5EA5YN3FS13P01QZ1JG8R0"))
return "answered"
