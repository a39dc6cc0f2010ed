"""The Lua scripts the Redis store runs: each one mutation, atomic on the server.

A put checks collisions and room, evicts and writes in one step, so two proxies putting at once
can neither overshoot the size cap nor both take one key; nothing is written when a put is
refused (a failing Lua script keeps what it wrote, so every check comes before the first write).

Layout under the namespace ``NS`` (an entry's id is ``<scope tag>:<key>``)::

    NS:e:<id>       hash  c content, z codec, d keyed digest, k kind, t stored at, x expires at
    NS:size         hash  id -> stored bytes (the accounting index: an id here is counted)
    NS:lru          zset  id by last use (the eviction order, every scope)
    NS:exp          zset  id by expiry on the store's clock (pruned on each put and stats)
    NS:m:<tag>      set   the keys of one scope (purge)
    NS:t:<tag>      hash  entries, bytes of one scope;  NS:totals: the same for the whole store
    NS:scopes       hash  tag -> scope name (the administrator's view)
    NS:secret       string  the deployment's key secret, when none is configured

Redis also expires each entry's hash itself (``PEXPIRE``), so memory is reclaimed even when
nothing reads or writes; the index entries of such a hash go at the next prune.
"""

from __future__ import annotations

_COMMON = """
local ns = ARGV[1]
local function ekey(id) return ns .. ':e:' .. id end
local function remove(id)
  -- An id is in the size index exactly when its hash, LRU and expiry entries were written.
  local size = tonumber(redis.call('HGET', ns .. ':size', id))
  if not size then return 0 end
  redis.call('DEL', ekey(id))
  redis.call('ZREM', ns .. ':lru', id)
  redis.call('ZREM', ns .. ':exp', id)
  local tag = string.match(id, '^([^:]+):')
  redis.call('HDEL', ns .. ':size', id)
  redis.call('SREM', ns .. ':m:' .. tag, string.sub(id, #tag + 2))
  for _, totals in ipairs({ns .. ':totals', ns .. ':t:' .. tag}) do
    redis.call('HINCRBY', totals, 'entries', -1)
    redis.call('HINCRBY', totals, 'bytes', -size)
  end
  return 1
end
local function each_chunk(values, step, call)  -- Lua's unpack takes a few thousand values at most
  for first = 1, #values, step do call(unpack(values, first, math.min(first + step - 1, #values))) end
end
local function prune(now, limit)
  local gone = redis.call('ZRANGEBYSCORE', ns .. ':exp', '-inf', now, 'LIMIT', 0, limit)
  for _, id in ipairs(gone) do remove(id) end
  return #gone
end
"""

PUT = (
    _COMMON
    + """
-- ARGV: ns, tag, scope, now, expires|'', ttl_ms|'', max_bytes, nkeep, keep ids...,
--       then per entry: id, mode (new|held), kind, digest, codec, data
local tag, scope, now, expires, ttl_ms = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local max = tonumber(ARGV[7])
prune(now, 256)
local pinned, entries, adding = {}, {}, 0
local i = 9
for _ = 1, tonumber(ARGV[8]) do pinned[ARGV[i]] = true; i = i + 1 end
while i <= #ARGV do
  local e = {id = ARGV[i], mode = ARGV[i + 1], kind = ARGV[i + 2], digest = ARGV[i + 3],
             codec = ARGV[i + 4], data = ARGV[i + 5]}
  i = i + 6
  pinned[e.id] = true
  local held = redis.call('HGET', ekey(e.id), 'd')
  if held then
    if held ~= e.digest then return {'collision', e.id} end
    e.held = true
  else
    if e.mode == 'held' then return {'gone', e.id} end
    adding = adding + #e.data
  end
  table.insert(entries, e)
end
local total = tonumber(redis.call('HGET', ns .. ':totals', 'bytes') or '0')
local need, victims, start = total + adding - max, {}, 0
while need > 0 do
  local page = redis.call('ZRANGE', ns .. ':lru', start, start + 199)
  if #page == 0 then break end
  for _, id in ipairs(page) do
    if not pinned[id] then
      table.insert(victims, id)
      need = need - tonumber(redis.call('HGET', ns .. ':size', id) or '0')
      if need <= 0 then break end
    end
  end
  start = start + 200
end
if need > 0 then return {'full', tostring(total), tostring(adding)} end
for _, id in ipairs(victims) do remove(id) end
-- Index updates go out as a few variadic calls for the whole batch: a batch of 250 originals
-- holds the server (every other client waits) for a handful of calls per entry, not twenty.
local lru, sizes, members, timed, untimed, count, bytes = {}, {}, {}, {}, {}, 0, 0
local ids = {}
for n, e in ipairs(entries) do ids[n] = e.id end
local indexed = {}
each_chunk(ids, 2000, function(...)
  for _, size in ipairs(redis.call('HMGET', ns .. ':size', ...)) do table.insert(indexed, size) end
end)
for n, e in ipairs(entries) do
  local ek = ekey(e.id)
  if e.held then
    redis.call('HSET', ek, 't', now, 'x', expires)
  else
    if indexed[n] then remove(e.id) end  -- left by a hash Redis expired: uncount it before recounting
    redis.call('HSET', ek, 'c', e.data, 'z', e.codec, 'd', e.digest, 'k', e.kind, 't', now, 'x', expires)
    table.insert(sizes, e.id); table.insert(sizes, #e.data)
    table.insert(members, string.sub(e.id, #tag + 2))
    count, bytes = count + 1, bytes + #e.data
  end
  table.insert(lru, now); table.insert(lru, e.id)
  if expires == '' then
    if e.held then redis.call('PERSIST', ek); table.insert(untimed, e.id) end
  else
    redis.call('PEXPIRE', ek, ttl_ms)
    table.insert(timed, expires); table.insert(timed, e.id)
  end
end
each_chunk(lru, 2000, function(...) redis.call('ZADD', ns .. ':lru', ...) end)
each_chunk(timed, 2000, function(...) redis.call('ZADD', ns .. ':exp', ...) end)
each_chunk(untimed, 2000, function(...) redis.call('ZREM', ns .. ':exp', ...) end)
each_chunk(sizes, 2000, function(...) redis.call('HSET', ns .. ':size', ...) end)
each_chunk(members, 2000, function(...) redis.call('SADD', ns .. ':m:' .. tag, ...) end)
if count > 0 then
  for _, totals in ipairs({ns .. ':totals', ns .. ':t:' .. tag}) do
    redis.call('HINCRBY', totals, 'entries', count)
    redis.call('HINCRBY', totals, 'bytes', bytes)
  end
end
redis.call('HSET', ns .. ':scopes', tag, scope)
return {'ok'}
"""
)

REMOVE = (
    _COMMON
    + """
-- ARGV: ns, ids...
local removed = 0
for i = 2, #ARGV do removed = removed + remove(ARGV[i]) end
return removed
"""
)

PURGE_SCOPE = (
    _COMMON
    + """
-- ARGV: ns, tag, limit: remove up to limit entries of one scope; how many went
local tag = ARGV[2]
local keys = redis.call('SPOP', ns .. ':m:' .. tag, tonumber(ARGV[3]))
for _, key in ipairs(keys) do remove(tag .. ':' .. key) end
return #keys
"""
)

STATS = (
    _COMMON
    + """
-- ARGV: ns, now: prune what expired, then the store's totals
prune(ARGV[2], 10000)
local totals = redis.call('HMGET', ns .. ':totals', 'entries', 'bytes')
return {totals[1] or '0', totals[2] or '0'}
"""
)
