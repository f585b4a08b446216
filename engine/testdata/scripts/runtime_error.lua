local function inner(t)
  -- indexing nil fails here
  return t.missing.field
end

local function outer()
  local v = inner({})
  return v
end

outer()
