#!/usr/bin/env bash
# billing-ingest: usage events/s the billing service ingests (llm.usage -> ledger in Redis), as a backlog and at a steady offered rate, with its consumer lag and CPU.
#
# Usage: ./fleet bench billing-ingest      (FLEET_INTAKE_PORT etc. move the fixed ports; busy ones are moved for you)
# Env:   BENCH_EVENTS (default 100000 distinct events per run), BENCH_DUPLICATES (default 0.05: share redelivered),
#        BENCH_RATES (default "0 1000": records/s offered, 0 = a backlog produced as fast as Kafka takes it),
#        BENCH_WARMUP_EVENTS (default 20000; 0 skips), BENCH_INTERVAL (default 2s)
#
# One platform ('./fleet up --detach'); nothing else sends traffic. Per rate, 'loadtest usage' produces BENCH_EVENTS synthetic
# usage events (docs/ARCHITECTURE.md's schema 1.1: both lanes, six features, four models, 20 % cache hits, a consistent falling balance)
# plus BENCH_DUPLICATES of them a second time, straight to llm.usage with acks=all, and waits until billing's own counters
# (fleet_billing_events_ingested_total + _duplicate_total) have handled every record. It reports records/s (all / time and
# 10 %→90 % slope), billing's consumer lag over time, and checks the ledger: spend grew by exactly the charges sent, and no
# unattributed spend. Also the CPU seconds billing, Kafka and Redis used. Then './fleet down'.
# Exit: 0, 1 on failure or a ledger mismatch, 4 when billing did not handle every record in time.
set -euo pipefail
cd "$(dirname "$0")/.."
DOT=.fleet
EVENTS=${BENCH_EVENTS:-100000}
DUPLICATES=${BENCH_DUPLICATES:-0.05}
RATES=${BENCH_RATES:-0 1000}
WARMUP_EVENTS=${BENCH_WARMUP_EVENTS:-20000}
INTERVAL=${BENCH_INTERVAL:-2s}
LOADTEST_JAR=loadtest/target/loadtest.jar
OUT=$(mktemp -d /tmp/fleet-bench-billing.XXXXXX)

die() { echo "bench billing-ingest: $*" >&2; exit 1; }
. "$(dirname "$0")/lib.bash"

prepare_load_bench

platform_up

LOADTEST=(java -XX:+UseSerialGC -Xmx512m -jar "$LOADTEST_JAR" usage --kafka "$KAFKA_BOOTSTRAP_SERVERS" --billing-url "$FLEET_BILLING_URL"
          --duplicates "$DUPLICATES" --interval "$INTERVAL")

machine_banner billing-ingest "the producer, Kafka, Redis and billing (and the idle services)"
echo "billing $FLEET_BILLING_URL, Kafka $KAFKA_BOOTSTRAP_SERVERS, Redis $REDIS_URL"
if [ "$WARMUP_EVENTS" -gt 0 ]; then
  echo; echo "== warm-up: $WARMUP_EVENTS events (not reported) =="
  wrc=0; "${LOADTEST[@]}" --events "$WARMUP_EVENTS" >"$OUT/warmup.out" 2>&1 || wrc=$?
  [ $wrc = 0 ] || echo "(warm-up ended with exit $wrc; see $OUT/warmup.out)"
  tail -11 "$OUT/warmup.out"
fi

rc=0
for rate in $RATES; do
  label=$([ "$rate" = 0 ] && echo backlog || echo "${rate}-per-s")
  echo; echo "== $EVENTS events, $([ "$rate" = 0 ] && echo "as a backlog" || echo "offered at $rate records/s") =="
  run_rc=0
  measured_run "loadtest usage" "$label" "$OUT/usage-$label.out" "${LOADTEST[@]}" --events "$EVENTS" --rate "$rate" --json "$OUT/usage-$label.json" || run_rc=$?
  [ $rc != 0 ] || rc=$run_rc
done

echo; echo "== summary =="
echo "| offered | records (distinct + redelivered) | produced in s | all handled after s | billing records/s (all / time) | records/s 10→90 % | max lag | ledger growth = charges sent | unattributed USD |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for rate in $RATES; do
  label=$([ "$rate" = 0 ] && echo backlog || echo "${rate}-per-s")
  f=$OUT/usage-$label.json
  [ -f "$f" ] || { echo "| $label | (no result) |"; continue; }
  jq -r --arg name "$label" '"| \($name) | \(.records) (\(.distinct) + \(.duplicates_sent)) | \(.produce_seconds * 10 | round / 10) | \(if .complete_at then (.complete_at * 10 | round / 10) else "not all" end) | \(.records_per_second | round) | \(if .steady_records_per_second then (.steady_records_per_second | round) else "-" end) | \(.max_lag // "-") | \(if .ledger_growth_usd == null then "-" elif .ledger_growth_usd == .charged_sent_usd then "yes (\(.charged_sent_usd))" else "NO: \(.ledger_growth_usd) vs \(.charged_sent_usd)" end) | \(.unattributed_usd // "-") |"' "$f"
done
echo; echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); JSON (with the time series) and logs in $OUT"
log_summary billing-service
exit $rc
