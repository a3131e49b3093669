#!/usr/bin/env bash
# intake-latency: intake's added latency p50/p99 over calling the simulator directly at 200 and 500 req/s, and charged USD per request through intake vs direct on the interactive share of mixed-v1.jsonl, side by side in one run.
#
# Usage: ./fleet bench intake-latency      (FLEET_INTAKE_PORT etc. move the fixed ports; busy ones are moved for you)
# Env:   BENCH_STAGES (default 200x10s,200x30s,500x30s), BENCH_NOCACHE_STAGES (default 200x15s,500x15s; "" skips that run),
#        BENCH_WARMUP (default 50x10s), BENCH_WORKLOAD (default workloads/mixed-v1.jsonl)
#
# What is sent: both targets get the same interactive lines of the workload (expect: reject lines skipped), in the same
# order, with the same headers (Authorization, X-Fleet-Feature). The direct path posts each workload body UNMODIFIED to
# the simulator's /v1/chat/completions; the intake path posts the same body to intake, which validates, normalises, trims,
# caches, routes and caps it before calling that same simulator. Stage n of each target starts at the same workload line.
# The simulator runs with its defaults (latency 0, no faults, no rate limits), reset with a large balance.
#
# Run 1 ("cached"): stage 1 is one pass over the ~2,000 interactive lines with a cold cache; stages 2 and 3 are 200 and
# 500 req/s, replaying the workload from where stage 1 stopped (so mostly cache hits through intake).
# Run 2 ("no-cache"): the same rates with Cache-Control: no-cache, so every intake request goes through the whole
# pipeline to the simulator: the overhead of the miss path.
# Exit: 0, 1 on failure, 3 when the load test flagged cost creep. Results: tables here, JSON under $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
DOT=.fleet
STAGES=${BENCH_STAGES-200x10s,200x30s,500x30s}
NOCACHE_STAGES=${BENCH_NOCACHE_STAGES-200x15s,500x15s}
WARMUP=${BENCH_WARMUP-50x10s}
WORKLOAD=${BENCH_WORKLOAD:-workloads/mixed-v1.jsonl}
LOADTEST_JAR=loadtest/target/loadtest.jar
OUT=$(mktemp -d /tmp/fleet-bench-intake.XXXXXX)

die() { echo "bench intake-latency: $*" >&2; exit 1; }
. "$(dirname "$0")/lib.bash"

command -v curl >/dev/null || die "needs curl"
[ -f "$WORKLOAD" ] || die "no workload at $WORKLOAD (set BENCH_WORKLOAD)"
require_idle_platform

pick_free_ports

if [ ! -f "$LOADTEST_JAR" ] || [ ! -f intake-service/target/quarkus-app/quarkus-run.jar ] || [ ! -f provider-sim/target/quarkus-app/quarkus-run.jar ]; then
  echo "jars missing: ./fleet build" >&2
  ./fleet build >"$OUT/build.log" 2>&1 || die "build failed; see $OUT/build.log"
elif [ -n "$(find loadtest/pom.xml loadtest/src/main -newer "$LOADTEST_JAR" -print -quit 2>/dev/null)" ]; then
  ./mvnw -B -q -ntp -pl loadtest package -DskipTests >"$OUT/build.log" 2>&1 || die "loadtest build failed; see $OUT/build.log"
fi

platform_up
curl -fsS -XPOST "$SIM/admin/reset" -H 'Content-Type: application/json' \
  -d '{"balance_usd": 1000000, "restore_config": true}' >/dev/null || die "could not reset the simulator at $SIM"

load() {
  java -XX:+UseSerialGC -jar "$LOADTEST_JAR" compare --target "intake=$FLEET_INTAKE_URL/v1" --target "direct=$FLEET_PROVIDER_URL" \
    --workload "$WORKLOAD" --lane interactive "$@"
}
sim_charged() { command -v jq >/dev/null && curl -fsS "$SIM/admin/totals" | jq -r .charged_usd || echo 0; }

cores=$(nproc); load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "intake-latency on $(date -u +%Y-%m-%dT%H:%MZ): $cores cores, load average before $load_before; load generator on this machine"
echo "intake $FLEET_INTAKE_URL, simulator $FLEET_PROVIDER_URL (latency 0, no faults), workload $WORKLOAD (interactive lines)"
rc=0
intake_pid=$(sed -n 's/^ *intake-service .* pid \([0-9]*\),.*/\1/p' "$OUT/up.log")
ticks_before=$(ticks "${intake_pid:-0}")
charged_before=$(sim_charged)
echo; echo "== Run 1: cache on (stage 1 = one cold pass over the interactive lines) =="
load --warmup "$WARMUP" --stages "$STAGES" --json "$OUT/cached.json" || rc=$?
charged_after=$(sim_charged)
ticks_after=$(ticks "${intake_pid:-0}")
if command -v jq >/dev/null; then
  seen=$(jq -r '[(.warmup + .stages)[] | .charged_usd] | add' "$OUT/cached.json")
  echo "cross-check: simulator charged \$$(awk -v a="$charged_before" -v b="$charged_after" 'BEGIN { printf "%.6f", b - a }') during run 1;" \
       "the load test saw \$$(printf '%.6f' "$seen") in X-MDB-Charged-USD headers (both targets, warm-up included)"
  sent=$(jq '[(.warmup + .stages)[] | select(.target == "intake") | .sent] | add' "$OUT/cached.json")
  echo "intake CPU in run 1: $(awk -v t=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" -v n="$sent" \
       'BEGIN { printf "%.1f s for %d requests = %.2f ms per request", t / hz, n, n ? 1000 * t / hz / n : 0 }')"
fi
if [ -n "$NOCACHE_STAGES" ]; then
  echo; echo "== Run 2: Cache-Control: no-cache (every intake request calls the simulator) =="
  rc2=0; load --no-cache --stages "$NOCACHE_STAGES" --json "$OUT/no-cache.json" || rc2=$?
  [ $rc = 0 ] && rc=$rc2
fi
echo; echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); JSON results and this run's logs in $OUT"
log_summary intake-service
exit $rc
