"""Lua scripts of the Redis memory: each mutation is atomic on the server and one round trip.

Layout under a project's prefix ``<namespace>:<project tag>``: ``:f:<id>`` a hash per fact
(``c`` content, ``a`` agent, ``s`` session, ``t`` created, ``u`` used, ``n`` uses, ``z`` bytes,
``l`` length in terms, ``w`` its distinct terms), ``:lru`` a sorted set of ids by last use,
``:w:<term>`` a sorted set per term (id -> occurrences: the postings search reads), and ``:m``
the project's totals (``facts``, ``bytes``, ``length``).
"""

_REMOVE = """
local function remove(p, id)
  local fk = p .. ':f:' .. id
  local fields = redis.call('HMGET', fk, 'w', 'z', 'l')
  if not fields[2] then return 0 end
  for word in string.gmatch(fields[1], '%S+') do
    redis.call('ZREM', p .. ':w:' .. word, id)
  end
  redis.call('DEL', fk)
  redis.call('ZREM', p .. ':lru', id)
  redis.call('HINCRBY', p .. ':m', 'facts', -1)
  redis.call('HINCRBY', p .. ':m', 'bytes', -tonumber(fields[2]))
  redis.call('HINCRBY', p .. ':m', 'length', -tonumber(fields[3]))
  return 1
end
"""

SAVE = (
    _REMOVE
    + """
-- ARGV: prefix, id, content, agent, session, now, bytes, length, max facts, max bytes, then term, count pairs
local p, id, at = ARGV[1], ARGV[2], ARGV[6]
local fk = p .. ':f:' .. id
if redis.call('EXISTS', fk) == 1 then
  redis.call('HSET', fk, 'u', at)
  redis.call('ZADD', p .. ':lru', at, id)
  return {'dup'}
end
local words = {}
for i = 11, #ARGV, 2 do
  redis.call('ZADD', p .. ':w:' .. ARGV[i], ARGV[i + 1], id)
  words[#words + 1] = ARGV[i]
end
redis.call('HSET', fk, 'c', ARGV[3], 'a', ARGV[4], 's', ARGV[5], 't', at, 'u', at, 'n', 0,
  'z', ARGV[7], 'l', ARGV[8], 'w', table.concat(words, ' '))
redis.call('ZADD', p .. ':lru', at, id)
redis.call('HINCRBY', p .. ':m', 'facts', 1)
redis.call('HINCRBY', p .. ':m', 'bytes', ARGV[7])
redis.call('HINCRBY', p .. ':m', 'length', ARGV[8])
local evicted = {'ok'}
while true do
  local totals = redis.call('HMGET', p .. ':m', 'facts', 'bytes')
  if tonumber(totals[1]) <= tonumber(ARGV[9]) and tonumber(totals[2]) <= tonumber(ARGV[10]) then break end
  local oldest = redis.call('ZRANGE', p .. ':lru', 0, 1)
  local victim = oldest[1]
  if victim == id then victim = oldest[2] end
  if not victim then break end
  remove(p, victim)
  evicted[#evicted + 1] = victim
end
return evicted
"""
)

FORGET = (
    _REMOVE
    + """
-- ARGV: prefix, id
return remove(ARGV[1], ARGV[2])
"""
)

TOUCH = """
-- ARGV: prefix, now, then ids: mark found facts used (those evicted meanwhile are skipped)
local p, at = ARGV[1], ARGV[2]
local alive = {}
for i = 3, #ARGV do
  local fk = p .. ':f:' .. ARGV[i]
  if redis.call('EXISTS', fk) == 1 then
    redis.call('HSET', fk, 'u', at)
    redis.call('HINCRBY', fk, 'n', 1)
    redis.call('ZADD', p .. ':lru', at, ARGV[i])
    alive[#alive + 1] = ARGV[i]
  end
end
return alive
"""
