if redis.call('HGET', KEYS[2], 'anchor_at') then
  redis.call('HINCRBY', KEYS[2], 'credits', ARGV[1])
end
update_balance(KEYS[1], KEYS[2], ARGV[2], ARGV[3], ARGV[4], nil)
return snapshot(KEYS[1], KEYS[2], KEYS[3])
