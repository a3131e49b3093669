-- The balance, reconciliation and 402 state a ledger script works on: read from Redis once (load_state), then kept in
-- the script and written through on every change, so a script recording many events reads it once, not per event.
-- Fields hold Redis' own strings (false when missing). A HINCRBY's new value is kept as its decimal text while the
-- double Lua gets back is exact (below 2^53), else read back from Redis.
local function load_state(bal, recon, depleted)
  local b = redis.call('HMGET', bal, 'nanos', 'at')
  local r = redis.call('HMGET', recon, 'anchor', 'anchor_at', 'charges', 'credits', 'est_at', 'est_mark', 'est_nanos',
                       'drift', 'drift_est')
  return {bal = bal, recon = recon, depleted = depleted, nanos = b[1], at = b[2],
          r = {anchor = r[1], anchor_at = r[2], charges = r[3], credits = r[4], est_at = r[5], est_mark = r[6],
               est_nanos = r[7], drift = r[8], drift_est = r[9]},
          d = redis.call('GET', depleted)}
end
local function recon_incr(st, field, delta)
  local v = redis.call('HINCRBY', st.recon, field, delta)
  if math.abs(v) < 9007199254740992 then
    st.r[field] = string.format('%d', v)
  else
    st.r[field] = redis.call('HGET', st.recon, field)
  end
end
-- The newest reading by event time wins (on a tie, the lower one); a reading far above what the ledger expects is
-- outside credit; a newer reading closes an open estimate window.
local function update_balance(st, reading_s, at_s, rid, external_threshold)
  local reading = tonumber(reading_s)
  local occurred = tonumber(at_s)
  local r = st.r
  if not r.anchor_at then
    redis.call('HSET', st.recon, 'anchor', reading_s, 'anchor_at', at_s, 'charges', '0', 'credits', '0')
    r.anchor, r.anchor_at, r.charges, r.credits = reading_s, at_s, '0', '0'
  end
  local cur_at = tonumber(st.at or '-1')
  local cur = tonumber(st.nanos or '0')
  if occurred > cur_at or (occurred == cur_at and reading < cur) then
    if external_threshold then
      local expected = tonumber(r.anchor) - tonumber(r.charges) + tonumber(r.credits)
      local gap_before = 0
      if cur_at >= 0 then gap_before = math.max(0, expected - cur) end
      if reading - expected > tonumber(external_threshold) then
        recon_incr(st, 'credits', string.format('%d', reading - expected + gap_before))
      end
    end
    redis.call('HSET', st.bal, 'nanos', reading_s, 'at', at_s, 'rid', rid)
    st.nanos, st.at = reading_s, at_s
    if r.est_at and occurred > tonumber(r.est_at) then
      local gap = tonumber(r.anchor) - tonumber(r.charges) + tonumber(r.credits) - reading
      recon_incr(st, 'drift', string.format('%d', gap - tonumber(r.est_mark)))
      recon_incr(st, 'drift_est', r.est_nanos)
      redis.call('HDEL', st.recon, 'est_at', 'est_mark', 'est_nanos')
      r.est_at, r.est_mark, r.est_nanos = false, false, false
    end
  end
end
-- {1, balance nanos, balance at, anchor, charges, credits, depleted at, drift, drift_est}, '' for unknown
local function snapshot(st)
  local r = st.r
  return {1, st.nanos or '', st.at or '', r.anchor or '', r.charges or '', r.credits or '', st.d or '', r.drift or '',
          r.drift_est or ''}
end
