if redis.call('HGET', KEYS[1], 'key') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if ARGV[2] == '0' then
  redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[3])
else
  redis.call('HINCRBY', KEYS[2], 'spent', '-' .. ARGV[2])
  redis.call('SET', KEYS[4], 'refused')
end
return 1
