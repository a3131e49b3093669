local pending = redis.call('HMGET', KEYS[1], 'key', 'amount')
if pending[1] then return {2, pending[1], pending[2]} end
if redis.call('EXISTS', KEYS[4]) == 1 then return {4} end
local settling = redis.call('PTTL', KEYS[3])
if settling > 0 then return {3, settling} end
local spent = tonumber(redis.call('HGET', KEYS[2], 'spent') or '0')
if spent + tonumber(ARGV[1]) > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[4], 'limit')
  return {0}
end
redis.call('HINCRBY', KEYS[2], 'spent', ARGV[1])
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('EXPIRE', KEYS[2], ARGV[4])
local key = 'fleet-topup-' .. ARGV[3] .. '-' .. seq
redis.call('HSET', KEYS[1], 'key', key, 'amount', ARGV[1], 'day', ARGV[3])
return {1, key, ARGV[1]}
