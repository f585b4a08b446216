-- Does not compile.
local x = = 1
