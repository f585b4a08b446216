-- return1.lua: the smallest script, to measure soracron's cold start.
return 1
