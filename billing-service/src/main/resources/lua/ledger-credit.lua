local st = load_state(KEYS[1], KEYS[2], KEYS[3])
if st.r.anchor_at then
  recon_incr(st, 'credits', ARGV[1])
end
update_balance(st, ARGV[2], ARGV[3], ARGV[4], nil)
return snapshot(st)
