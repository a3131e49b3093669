-- The credit script as it was before billing recorded batches (commit 8c5383b), run with ledger-functions-one.lua: a reference of LedgerBatchTest.
-- KEYS: 1 balance, 2 recon, 3 depleted_at; ARGV: 1 amount nanos, 2 balance nanos, 3 at ms, 4 reference
if redis.call('HGET', KEYS[2], 'anchor_at') then
  redis.call('HINCRBY', KEYS[2], 'credits', ARGV[1])
end
update_balance(KEYS[1], KEYS[2], ARGV[2], ARGV[3], ARGV[4], nil)
return snapshot(KEYS[1], KEYS[2], KEYS[3])
