-- One hit on a sliding log, atomically: the Lua twin of slide() in limiter.go.
-- KEYS[1]  the log: admitted hit times in microseconds, newest at the head
-- ARGV[1]  now, microseconds (the caller's clock, so tests can steer it)
-- ARGV[2]  the window, microseconds
-- ARGV[3]  the limit n
-- Returns {allowed 0|1, retry after in microseconds, remaining}.
--
-- Numbers never go back to Redis as Lua numbers: Redis may print them as
-- "1e+09", which commands reject. They go as ARGV strings or via %d.
local key = KEYS[1]
local now = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local n = tonumber(ARGV[3])

-- Drop the hits that have left the window, oldest first. Each is dropped
-- once, so this costs O(1) per hit on average.
while true do
  local oldest = redis.call('LINDEX', key, -1)
  if not oldest or tonumber(oldest) > now - per then
    break
  end
  redis.call('RPOP', key)
end

local live = redis.call('LLEN', key)
if live >= n then
  -- Only the n newest hits matter (there are more after a rate cut); the
  -- n-th newest is the one whose expiry frees a slot.
  redis.call('LTRIM', key, 0, string.format('%d', n - 1))
  local freed = tonumber(redis.call('LINDEX', key, -1)) + per
  return {0, freed - now, 0}
end

local at = ARGV[1]
local newest = redis.call('LINDEX', key, 0)
if newest and tonumber(newest) > now then
  -- Another instance's clock runs ahead; keep the log sorted.
  at = newest
end
redis.call('LPUSH', key, at)
redis.call('PEXPIRE', key, string.format('%d', math.ceil((tonumber(at) + per - now) / 1000)))
return {1, 0, n - live - 1}
