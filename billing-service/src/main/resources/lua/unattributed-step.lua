local value = tonumber(ARGV[1])
if value <= tonumber(ARGV[2]) then return 0 end
local last = redis.call('HGET', KEYS[1], 'alerted')
if last and value < tonumber(last) + tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'alerted', ARGV[1])
return 1
