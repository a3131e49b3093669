#!/usr/bin/env bash
# fill-gaps: does a 50,000-job bulk backlog leave interactive p99 and error rate alone (within 10 %) while it fills the provider capacity interactive traffic leaves free?
#
# Usage: ./fleet bench fill-gaps      (FLEET_INTAKE_PORT etc. move the fixed ports; busy ones are moved for you)
# Env:   BENCH_LIMIT (default 40: the simulator's max_concurrent_requests, and the worker's provider budget and max concurrency),
#        BENCH_LATENCY_MS (default 200: the simulator's latency_base_ms), BENCH_STAGES (default 30x60s: interactive load of
#        each phase), BENCH_JOBS (default 50000: the backlog), BENCH_BATCH (default 2000), BENCH_WARMUP (default 30x30s),
#        BENCH_WORKLOAD (default workloads/mixed-v1.jsonl), BENCH_INTERVAL (default 2s)
#
# The platform starts with FLEET_WORKER_CONCURRENCY_PROVIDER_BUDGET=$BENCH_LIMIT and FLEET_WORKER_CONCURRENCY_MAX=$BENCH_LIMIT
# (the worker caps itself at that budget minus the interactive peak intake publishes in Redis, minus its reserve), and the
# simulator is set to {"latency_base_ms": BENCH_LATENCY_MS, "max_concurrent_requests": BENCH_LIMIT}: one API key, so
# interactive calls from intake and job calls from the worker share that limit, and a call over it is a 429.
# 'loadtest mixed --baseline' then runs, against intake:
#   warm-up  BENCH_WARMUP of marked interactive prompts (JIT), not reported;
#   phase A  the interactive lines of the workload with Cache-Control: no-cache (every request reaches the simulator), open
#            loop at BENCH_STAGES, alone: interactive p50/p99/error rate, and the simulator's in-flight (sampled every 250 ms)
#            = the concurrency interactive traffic needs;
#   backlog  BENCH_JOBS unique-prompt jobs, priority bulk, submitted through POST /v1/jobs/batch as fast as intake takes them
#            (the worker starts draining at once);
#   phase B  the same interactive stages (continuing in the workload) while the backlog drains: interactive figures again,
#            the async lane's finished jobs/s, the simulator's in-flight and 429s, the worker's limit;
# and prints B against A (p99 and error rate within 10 %?) and the async jobs/s against the capacity interactive traffic left:
# (limit - phase A's mean in-flight) / latency. Phase B ends with the stages; whatever is left of the backlog stays in this
# run's Kafka, which './fleet down' deletes.
# Exit: 0, 1 on failure, 4 when phase B fell outside the tolerance. Results: tables here, JSON under $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
DOT=.fleet
LIMIT=${BENCH_LIMIT:-40}
LATENCY_MS=${BENCH_LATENCY_MS:-200}
STAGES=${BENCH_STAGES:-30x60s}
JOBS=${BENCH_JOBS:-50000}
BATCH=${BENCH_BATCH:-2000}
WARMUP=${BENCH_WARMUP:-30x30s}
WORKLOAD=${BENCH_WORKLOAD:-workloads/mixed-v1.jsonl}
INTERVAL=${BENCH_INTERVAL:-2s}
LOADTEST_JAR=loadtest/target/loadtest.jar
OUT=$(mktemp -d /tmp/fleet-bench-fill-gaps.XXXXXX)

die() { echo "bench fill-gaps: $*" >&2; exit 1; }
. "$(dirname "$0")/lib.bash"

[ -f "$WORKLOAD" ] || die "no workload at $WORKLOAD (set BENCH_WORKLOAD)"
prepare_load_bench

export FLEET_WORKER_CONCURRENCY_PROVIDER_BUDGET=$LIMIT FLEET_WORKER_CONCURRENCY_MAX=$LIMIT
platform_up
curl -fsS -XPOST "$SIM/admin/reset" -H 'Content-Type: application/json' \
  -d '{"balance_usd": 1000000, "restore_config": true}' >/dev/null || die "could not reset the simulator at $SIM"
curl -fsS -XPOST "$SIM/admin/config" -H 'Content-Type: application/json' \
  -d "{\"latency_base_ms\": $LATENCY_MS, \"max_concurrent_requests\": $LIMIT}" >/dev/null || die "could not configure the simulator"

machine_banner fill-gaps "the load generator, Kafka, Redis, the simulator and the services"
echo "simulator: latency_base_ms $LATENCY_MS, max_concurrent_requests $LIMIT (per API key: intake and worker share it);"
echo "worker: FLEET_WORKER_CONCURRENCY_PROVIDER_BUDGET=$LIMIT FLEET_WORKER_CONCURRENCY_MAX=$LIMIT; interactive: $STAGES of the interactive lines of $WORKLOAD, no-cache"
echo "backlog: $JOBS unique bulk jobs in batches of $BATCH"
echo
rc=0
java -XX:+UseSerialGC -Xmx512m -jar "$LOADTEST_JAR" mixed --base-url "$FLEET_INTAKE_URL/v1" --workload "$WORKLOAD" --lane interactive \
  --no-cache --warmup "$WARMUP" --stages "$STAGES" --baseline \
  --jobs "$JOBS" --unique --priority bulk --batch-size "$BATCH" \
  --worker-url "$FLEET_WORKER_URL" --kafka "$KAFKA_BOOTSTRAP_SERVERS" --provider-url "$FLEET_PROVIDER_URL" \
  --interval "$INTERVAL" --json "$OUT/mixed.json" 2>&1 | tee "$OUT/mixed.out" || rc=$?
echo
echo "simulator totals: $(curl -fsS "$SIM/admin/totals" | jq -c '{calls, requests, errors, in_flight, charged_usd}')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); JSON (with the whole time series) and logs in $OUT"
log_summary intake-service worker-service
exit $rc
