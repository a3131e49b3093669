-- The ledger's shared functions as they were before billing recorded batches (commit 8c5383b): the reference LedgerBatchTest
-- holds the batch, credit and snapshot scripts to, with ledger-record-one.lua and ledger-credit-one.lua.
local function update_balance(bal, recon, reading_s, at_s, rid, external_threshold)
  local reading = tonumber(reading_s)
  local occurred = tonumber(at_s)
  if not redis.call('HGET', recon, 'anchor_at') then
    redis.call('HSET', recon, 'anchor', reading_s, 'anchor_at', at_s, 'charges', '0', 'credits', '0')
  end
  local cur_at = tonumber(redis.call('HGET', bal, 'at') or '-1')
  local cur = tonumber(redis.call('HGET', bal, 'nanos') or '0')
  if occurred > cur_at or (occurred == cur_at and reading < cur) then
    if external_threshold then
      local r = redis.call('HMGET', recon, 'anchor', 'charges', 'credits')
      local expected = tonumber(r[1]) - tonumber(r[2]) + tonumber(r[3])
      local gap_before = 0
      if cur_at >= 0 then gap_before = math.max(0, expected - cur) end
      if reading - expected > tonumber(external_threshold) then
        redis.call('HINCRBY', recon, 'credits', string.format('%d', reading - expected + gap_before))
      end
    end
    redis.call('HSET', bal, 'nanos', reading_s, 'at', at_s, 'rid', rid)
    local w = redis.call('HMGET', recon, 'est_at', 'est_mark', 'est_nanos')
    if w[1] and occurred > tonumber(w[1]) then
      local r = redis.call('HMGET', recon, 'anchor', 'charges', 'credits')
      local gap = tonumber(r[1]) - tonumber(r[2]) + tonumber(r[3]) - reading
      redis.call('HINCRBY', recon, 'drift', string.format('%d', gap - tonumber(w[2])))
      redis.call('HINCRBY', recon, 'drift_est', w[3])
      redis.call('HDEL', recon, 'est_at', 'est_mark', 'est_nanos')
    end
  end
end
local function snapshot(bal, recon, depleted)
  local b = redis.call('HMGET', bal, 'nanos', 'at')
  local c = redis.call('HMGET', recon, 'anchor', 'charges', 'credits', 'drift', 'drift_est')
  local d = redis.call('GET', depleted)
  return {1, b[1] or '', b[2] or '', c[1] or '', c[2] or '', c[3] or '', d or '', c[4] or '', c[5] or ''}
end
