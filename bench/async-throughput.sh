#!/usr/bin/env bash
# async-throughput: sustained end-to-end jobs/s of the async lane (POST /v1/jobs/batch -> Kafka -> worker -> simulator) with the simulator at 0 ms and 200 ms latency, with consumer lag and worker concurrency over time.
#
# Usage: ./fleet bench async-throughput      (FLEET_INTAKE_PORT etc. move the fixed ports; busy ones are moved for you)
# Env:   BENCH_JOBS (default 20000 per latency), BENCH_LATENCIES (default "0 200", ms), BENCH_WARMUP_JOBS (default 3000; 0 skips),
#        BENCH_BATCH (default 1000 jobs per batch request), BENCH_MAX_WAIT (default 300s after the last batch),
#        BENCH_INTERVAL (default 2s), BENCH_WORKER_ENV (extra VAR=value words for the platform, e.g. "FLEET_WORKER_CONCURRENCY_MAX=128")
#
# One platform ('./fleet up --detach', worker on its defaults unless BENCH_WORKER_ENV says otherwise), the simulator reset
# with a large balance, no faults, no rate limits. A warm-up of BENCH_WARMUP_JOBS jobs (not reported) lets the JVMs compile
# the hot path. Then per latency: POST /admin/config {"latency_base_ms": L}, and 'loadtest jobs' submits BENCH_JOBS jobs
# with unique prompts (priority bulk, openai/gpt-4o-mini, max_tokens 60) all at once as a backlog, in batches of
# BENCH_BATCH, and waits until the worker's fleet_jobs_completed_total says every one finished. It prints the time series
# (every BENCH_INTERVAL: accepted, enqueued per Kafka end offsets, finished, jobs/s, consumer lag of group llm-fleet-worker
# computed with a Kafka AdminClient, the worker's adaptive limit, in-flight and waiting jobs, the simulator's in-flight)
# and the summary (end-to-end = all jobs / time from the first batch to the last finish; steady = slope between 10 % and
# 90 % finished; drain = finishing rate once the submission is over), checks a random sample of 200 job ids with GET /v1/jobs/{id}, and reports the CPU seconds each process
# used, since everything shares this machine's cores. Then './fleet down'.
# Exit: 0, 1 on failure, 4 when some run did not finish every job in time. Results: tables here, JSON under $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
DOT=.fleet
JOBS=${BENCH_JOBS:-20000}
LATENCIES=${BENCH_LATENCIES:-0 200}
WARMUP_JOBS=${BENCH_WARMUP_JOBS:-3000}
BATCH=${BENCH_BATCH:-1000}
MAX_WAIT=${BENCH_MAX_WAIT:-300s}
INTERVAL=${BENCH_INTERVAL:-2s}
LOADTEST_JAR=loadtest/target/loadtest.jar
OUT=$(mktemp -d /tmp/fleet-bench-async.XXXXXX)

die() { echo "bench async-throughput: $*" >&2; exit 1; }
. "$(dirname "$0")/lib.bash"

prepare_load_bench

# shellcheck disable=SC2086
platform_up ${BENCH_WORKER_ENV:-}
curl -fsS -XPOST "$SIM/admin/reset" -H 'Content-Type: application/json' \
  -d '{"balance_usd": 1000000, "restore_config": true}' >/dev/null || die "could not reset the simulator at $SIM"

LOADTEST=(java -XX:+UseSerialGC -Xmx512m -jar "$LOADTEST_JAR" jobs --intake-url "$FLEET_INTAKE_URL" --worker-url "$FLEET_WORKER_URL"
          --kafka "$KAFKA_BOOTSTRAP_SERVERS" --provider-url "$FLEET_PROVIDER_URL" --unique --priority bulk --batch-size "$BATCH"
          --interval "$INTERVAL" --max-wait "$MAX_WAIT")

machine_banner async-throughput "the load generator, Kafka, Redis, the simulator and the services"
echo "intake $FLEET_INTAKE_URL, worker $FLEET_WORKER_URL, simulator $FLEET_PROVIDER_URL, Kafka $KAFKA_BOOTSTRAP_SERVERS${BENCH_WORKER_ENV:+; platform env: $BENCH_WORKER_ENV}"
if [ "$WARMUP_JOBS" -gt 0 ]; then
  echo; echo "== warm-up: $WARMUP_JOBS jobs at latency 0 (not reported) =="
  wrc=0; "${LOADTEST[@]}" --jobs "$WARMUP_JOBS" --verify-sample 0 >"$OUT/warmup.out" 2>&1 || wrc=$?
  [ $wrc = 0 ] || echo "(warm-up ended with exit $wrc; see $OUT/warmup.out)"
  tail -12 "$OUT/warmup.out"
fi

rc=0
for lat in $LATENCIES; do
  echo; echo "== simulator latency_base_ms=$lat: $JOBS jobs as one backlog =="
  curl -fsS -XPOST "$SIM/admin/reset" -H 'Content-Type: application/json' -d '{"balance_usd": 1000000}' >/dev/null
  curl -fsS -XPOST "$SIM/admin/config" -H 'Content-Type: application/json' -d "{\"latency_base_ms\": $lat}" >/dev/null \
    || die "could not set the simulator's latency"
  run_rc=0
  measured_run "loadtest jobs" "$lat" "$OUT/jobs-${lat}ms.out" "${LOADTEST[@]}" --jobs "$JOBS" --json "$OUT/jobs-${lat}ms.json" || run_rc=$?
  [ $rc != 0 ] || rc=$run_rc
  echo "simulator totals: $(curl -fsS "$SIM/admin/totals" | jq -c '{calls, requests, replays, errors, charged_usd}')"
done

echo; echo "== summary =="
echo "| sim latency | jobs accepted / enqueued | submit s (jobs/s) | finished (succeeded / dead) | all done after s | end-to-end jobs/s | steady jobs/s (10→90 %) | drain jobs/s after submit | max lag | worker limit max | GET sample | sample accepted→finished p50 / p99 s |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for lat in $LATENCIES; do
  f=$OUT/jobs-${lat}ms.json
  [ -f "$f" ] || { echo "| $lat ms | (no result) |"; continue; }
  jq -r --arg lat "$lat" '"| \($lat) ms | \(.submit.accepted) / \(.enqueued // "-") | \(.submit.seconds * 10 | round / 10) (\(.submit.accepted_per_second | round)) | \(.finished) (\(.succeeded) / \(.dead_lettered)) | \(if .complete_at then ((.complete_at - .submit.started_at) * 10 | round / 10) else "not all" end) | \(.end_to_end_jobs_per_second * 10 | round / 10) | \(if .steady_jobs_per_second then (.steady_jobs_per_second * 10 | round / 10) else "-" end) | \(if .drain_jobs_per_second then (.drain_jobs_per_second * 10 | round / 10) else "-" end) | \(.max_lag // "-") | \([.series[].limit // 0] | max) | \(.verification.by_status // {} | to_entries | map("\(.key) \(.value)") | join(", ")) | \(if .verification.latency_p50_ms then "\(.verification.latency_p50_ms / 100 | round / 10) / \(.verification.latency_p99_ms / 100 | round / 10)" else "-" end) |"' "$f"
done
echo; echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); JSON (with the whole time series) and logs in $OUT"
log_summary intake-service worker-service
exit $rc
