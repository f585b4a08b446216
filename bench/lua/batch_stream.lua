-- batch_stream.lua: set one key on every connection of a channel with
-- sora.batch, holding only what it needs: one list of the connection ids
-- only (sora.list's fields; each connection kept as the text of its id
-- until read), then sora.batch pulling each put_item request from a
-- function as the pool has room: the function returns one request table,
-- its connection_id changed for each request, so that no table is built
-- per request.
--
-- args: channel_id (default "sora"), key, value, concurrency.
-- Returns {connections, writes, failed, list_seconds, build_seconds,
-- seconds}; seconds times the sora.batch call, which builds the requests
-- as it sends them (build_seconds is 0).
local sora = require("sora")
local time = require("time")

local ch, key, value = args.channel_id or "sora", args.key, args.value
assert(type(key) == "string" and value ~= nil, "args.key and args.value are required")

local t0 = time.now()
local conns = assert(sora.list(ch, { fields = { "connection_id" } }))
local t1 = time.now()
local n, i = #conns, 0
local req = { action = "put_item", channel_id = ch, key = key, value = value }
local _, s = sora.batch(function()
  i = i + 1
  local c = conns[i]
  if c then
    req.connection_id = c.connection_id -- one table, read as it is returned
    return req
  end
end, { concurrency = tonumber(args.concurrency) })
local t2 = time.now()

if s.failed > 0 then
  error(string.format("%d of %d requests failed", s.failed, s.requests))
end
return {
  connections = n, writes = s.ok, failed = s.failed,
  list_seconds = t1 - t0, build_seconds = 0, seconds = t2 - t1,
}
