local x = 1
local y = 2

if x < y then
  print("x" +* y)
end
