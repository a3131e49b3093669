-- wrk script: non-streamed chat completions against provider-sim, like a mixed-v1 workload line.
-- STREAM=1 in the environment sends "stream": true instead.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer mdb_bench_key"
local stream = os.getenv("STREAM") == "1"
wrk.body = '{"model":"openai/gpt-4o","messages":[{"role":"system","content":"You are a helpful support agent."},'
  .. '{"role":"user","content":"Version order carrier upgrade card update password coupon refund backup. '
  .. 'Order stock privacy payment tracking refund rating card carrier quality bug card size card."}],'
  .. '"max_tokens":400,"temperature":0' .. (stream and ',"stream":true' or '') .. '}'

done = function(summary, latency, requests)
  io.write(string.format("requests/s: %.0f  p50: %.2f ms  p99: %.2f ms  non-2xx/3xx: %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status))
end
