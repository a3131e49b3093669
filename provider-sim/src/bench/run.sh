#!/usr/bin/env bash
# Measures provider-sim's maximum throughput (0 latency, no faults) with wrk on 127.0.0.1.
# Usage (from the repository root, after `./mvnw -B -q -pl provider-sim package -DskipTests`):
#   provider-sim/src/bench/run.sh [extra JVM options...]
# Env: PORT (default 28190), STREAM=1 for streamed calls, DURATION (default 10s), CONNECTIONS (default 50).
set -euo pipefail
cd "$(dirname "$0")/../../.."
PORT="${PORT:-28190}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-50}"
URL="http://127.0.0.1:${PORT}"
if curl -s -o /dev/null "$URL/q/health"; then echo "port $PORT is already in use: set PORT" >&2; exit 1; fi
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }

java "$@" -Dquarkus.http.port="$PORT" -Dquarkus.log.console.json.enabled=false \
  -jar provider-sim/target/quarkus-app/quarkus-run.jar >/tmp/provider-sim-bench.log 2>&1 &
SIM=$!
trap 'kill "$SIM" 2>/dev/null || true; wait "$SIM" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "$URL/q/health/ready" >/dev/null && break; sleep 0.5; done
echo "JVM options: ${*:-(defaults)}; RSS idle: $(( $(ps -o rss= -p "$SIM") / 1024 )) MiB"
# A balance that cannot run out during the run, so every answer is a charged 200.
curl -sf -XPOST "$URL/admin/reset" -d '{"balance_usd": 1000000}' >/dev/null

wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s provider-sim/src/bench/chat.lua "$URL/v1/chat/completions" >/dev/null  # JIT warm-up
# CPU the simulator itself burns (user + system, clock ticks) over the measured run: a figure that
# stays meaningful when wrk, or anything else, competes for the same cores.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SIM/stat"; }
calls_before=$(curl -sf "$URL/admin/totals" | sed -E 's/.*"requests":([0-9]+).*/\1/')
ticks_before=$(cpu_ticks)
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s provider-sim/src/bench/chat.lua "$URL/v1/chat/completions"
ticks_after=$(cpu_ticks)
calls_after=$(curl -sf "$URL/admin/totals" | sed -E 's/.*"requests":([0-9]+).*/\1/')
hz=$(getconf CLK_TCK)
awk -v t=$((ticks_after - ticks_before)) -v n=$((calls_after - calls_before)) -v hz="$hz" \
  'BEGIN { us = t / hz * 1e6 / n; printf "simulator CPU per request: %.0f us (=> ~%.0f requests/s per fully used core)\n", us, 1e6 / us }'
echo "RSS after load: $(( $(ps -o rss= -p "$SIM") / 1024 )) MiB"
curl -sf "$URL/admin/totals" | head -c 200; echo
