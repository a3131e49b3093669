#!/usr/bin/env bash
# gateway: intake vs Portkey's open-source gateway vs a bare Node pass-through proxy vs calling a stub upstream directly: added p50/p99 at 200 and 500 req/s (open loop), req/s at 64 connections (closed loop), SSE time to first byte, CPU ms per request and RSS; rounds interleaved.
#
# Usage: ./fleet bench gateway        (≈ 18 min; needs node >= 18, npm, wrk, curl, jq; busy ports are moved)
# Env:   BENCH_ROUNDS (3), BENCH_RATES ("200 500"), BENCH_STAGE_SECONDS (15),
#        BENCH_WARMUP_SECONDS (20: per target, wrk at BENCH_CONNECTIONS with the stub at 0 ms, then as long streamed, so
#        the JITs have compiled both paths before anything is measured), BENCH_WARMUP (200x10s: loadtest's own, per target),
#        BENCH_DELAY_MS (50: the stub's fixed delay for the open-loop and SSE rounds),
#        BENCH_CONNECTIONS (64), BENCH_CLOSED_SECONDS (10), BENCH_CLOSED_DELAY_MS (0: the closed-loop rounds measure the
#        gateways' own throughput, not the stub's delay), BENCH_SSE_RATE (50), BENCH_SSE_SECONDS (10),
#        BENCH_TARGETS ("intake portkey proxy": which to measure besides direct), BENCH_OUT (results dir,
#        default .fleet/bench/gateway-<UTC time>), BENCH_PORTKEY_DIR (default .fleet/portkey-gateway-1.15.2)
#
# What is compared: one small chat body (openai/gpt-4o-mini, one user message, max_tokens 32; "stream": true for SSE),
# with the same headers (Authorization, Cache-Control: no-cache, and Portkey's x-portkey-provider/-custom-host, which the
# others ignore) sent to four targets, all in front of the same stub upstream (bench/gateway/stub-upstream.mjs):
#   direct   the stub itself                      proxy    bench/gateway/passthrough-proxy.mjs, Node http, the floor
#   portkey  npm @portkey-ai/gateway 1.15.2       intake   intake-service of './fleet up' (MDB_BASE_URL = the stub),
#                                                          Cache-Control: no-cache so every request calls the upstream
# Portkey is installed from the npm registry into a scratch dir at bench time (never committed).
# Load: open loop at each BENCH_RATES (latency from the scheduled send, `loadtest compare`), SSE at BENCH_SSE_RATE (time
# to the first body chunk, which is the first `data:` event with every target here), closed loop with wrk at
# BENCH_CONNECTIONS. Per load shape each round runs every target in turn (intake, portkey, proxy, direct), BENCH_ROUNDS
# rounds; the tables give medians over rounds, "added" being the median of each round's difference to direct. Before
# the first round every target gets a wrk warm-up (not measured). loadtest closes idle connections after 2 s (its pool
# cleaner runs every second): Portkey's Node server closes them after 5 s, and a request sent on a connection the server
# is closing fails (connection_closed; seen with 120 s and with 4 s).
# CPU per request: utime+stime of the target's processes (/proc/<pid>/stat) over its stage / answers; intake's Kafka,
# Redis, billing and worker separately (until they are idle again, minus their idle rate). RSS: VmRSS after the stage.
# Exit: 0 done (whether or not the targets are met), 1 failure (a target errored, a process died, setup failed).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DOT=.fleet
ROUNDS=${BENCH_ROUNDS:-3}
RATES=${BENCH_RATES:-200 500}
STAGE_SECONDS=${BENCH_STAGE_SECONDS:-15}
WARMUP=${BENCH_WARMUP:-200x10s}
WARMUP_SECONDS=${BENCH_WARMUP_SECONDS:-20}
DELAY_MS=${BENCH_DELAY_MS:-50}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
CLOSED_SECONDS=${BENCH_CLOSED_SECONDS:-10}
CLOSED_DELAY_MS=${BENCH_CLOSED_DELAY_MS:-0}
SSE_RATE=${BENCH_SSE_RATE:-50}
SSE_SECONDS=${BENCH_SSE_SECONDS:-10}
MEASURED=${BENCH_TARGETS:-intake portkey proxy}
PORTKEY_VERSION=1.15.2
PORTKEY_DIR=${BENCH_PORTKEY_DIR:-$DOT/portkey-gateway-$PORTKEY_VERSION}
LOADTEST_JAR=loadtest/target/loadtest.jar
OUT=${BENCH_OUT:-$DOT/bench/gateway-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

die() { echo "bench gateway: $*" >&2; exit 1; }
. "$(dirname "$0")/lib.bash"

for t in $MEASURED; do case $t in intake|portkey|proxy) ;; *) die "BENCH_TARGETS: unknown target '$t' (intake, portkey, proxy)" ;; esac; done
wants() { [[ " $MEASURED " == *" $1 "* ]]; }
command -v node >/dev/null || die "needs node (18 or newer)"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 18 ] || die "needs node 18 or newer, found $(node --version)"
command -v wrk >/dev/null || die "needs wrk for the closed-loop rounds: apt-get install -y wrk"
wants portkey && { command -v npm >/dev/null || die "needs npm to install @portkey-ai/gateway"; }
prepare_load_bench   # curl, jq, no platform running, free fleet ports, loadtest jar up to date

# --- processes this script starts, stopped on any exit (Ctrl-C included) ---
PIDS=()
PLATFORM=0
cleanup() {
  local status=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ $PLATFORM = 1 ] || { [ -f $DOT/launcher.pid ] && [ "${LAUNCHER_OURS:-0}" = 1 ]; }; then
    ./fleet down >/dev/null 2>&1 || echo "bench gateway: ./fleet down failed" >&2
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { # preferred: that port or the next free one above it
  local p=$1
  while busy "$p"; do p=$((p + 1)); done
  echo "$p"
}
STUB_PORT=$(free_port "${BENCH_STUB_PORT:-18790}")
PROXY_PORT=$(free_port "${BENCH_PROXY_PORT:-$((STUB_PORT + 1))}")
PORTKEY_PORT=$(free_port "${BENCH_PORTKEY_PORT:-$((PROXY_PORT + 1))}")
STUB=http://127.0.0.1:$STUB_PORT

wait_http() { # name url [curl args...]: up to 60 s for a 2xx
  local name=$1 url=$2; shift 2
  for _ in $(seq 1 120); do curl -fsS -o /dev/null -m 2 "$@" "$url" 2>/dev/null && return 0; sleep 0.5; done
  die "$name did not answer at $url within 60 s (log: $OUT/$name.log)"
}

# --- Portkey's gateway from the npm registry, into a scratch dir (with the lockfile's versions, see BUILD-NOTES) ---
PORTKEY_JS=$PORTKEY_DIR/node_modules/@portkey-ai/gateway/build/start-server.js
if wants portkey; then
  if [ "$(jq -r .version "$PORTKEY_DIR/node_modules/@portkey-ai/gateway/package.json" 2>/dev/null)" != "$PORTKEY_VERSION" ]; then
    echo "installing @portkey-ai/gateway@$PORTKEY_VERSION into $PORTKEY_DIR (npm install --ignore-scripts)..."
    mkdir -p "$PORTKEY_DIR"
    cat >"$PORTKEY_DIR/package.json" <<EOF
{"name": "fleet-bench-portkey", "private": true, "dependencies": {"@portkey-ai/gateway": "$PORTKEY_VERSION"},
 "overrides": {"hono": "4.9.7", "@hono/node-server": "1.13.5", "@hono/node-ws": "1.2.0"}}
EOF
    (cd "$PORTKEY_DIR" && npm install --ignore-scripts --no-audit --no-fund) >"$OUT/portkey-install.log" 2>&1 \
      || die "npm install of @portkey-ai/gateway failed; see $OUT/portkey-install.log"
  fi
  [ -f "$PORTKEY_JS" ] || die "no $PORTKEY_JS after the install"
fi

# --- the stub upstream, the bare proxy, Portkey ---
node bench/gateway/stub-upstream.mjs --port "$STUB_PORT" --delay-ms "$DELAY_MS" >"$OUT/stub.log" 2>&1 & STUB_PID=$!; PIDS+=("$STUB_PID")
wait_http stub "$STUB/admin/totals"
if wants proxy; then
  node bench/gateway/passthrough-proxy.mjs --port "$PROXY_PORT" --upstream "$STUB" >"$OUT/proxy.log" 2>&1 & PROXY_PID=$!; PIDS+=("$PROXY_PID")
  wait_http proxy "http://127.0.0.1:$PROXY_PORT/v1/models"
fi
if wants portkey; then
  node "$PORTKEY_JS" --port="$PORTKEY_PORT" --headless >"$OUT/portkey.log" 2>&1 & PORTKEY_PID=$!; PIDS+=("$PORTKEY_PID")
  wait_http portkey "http://127.0.0.1:$PORTKEY_PORT/v1/chat/completions" -XPOST -H 'Content-Type: application/json' \
    -H 'x-portkey-provider: openai' -H "x-portkey-custom-host: $STUB/v1" -H 'Authorization: Bearer mdb_sim_local' \
    -d '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"ping"}],"max_tokens":4}'
fi

# --- the platform, its provider pointed at the stub (no simulator then) ---
if wants intake; then
  LAUNCHER_OURS=1
  platform_up MDB_BASE_URL="$STUB/v1" MDB_API_KEY=mdb_sim_local
  PLATFORM=1
  trap cleanup EXIT   # platform_up set its own EXIT trap; ours stops the platform as well
  [ "$FLEET_PROVIDER_URL" = "$STUB/v1" ] || die "the platform's provider is $FLEET_PROVIDER_URL, not the stub"
fi

# --- what each target is and which processes are its own ---
BODY='{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":32}'
SSE_BODY=${BODY%\}}',"stream":true}'
# intake needs the platform's key; the stub and the gateways in front of it take any
HEADERS=(-H 'Content-Type: application/json' -H "Authorization: Bearer ${FLEET_API_KEY:-mdb_sim_local}" -H 'Cache-Control: no-cache'
         -H 'x-portkey-provider: openai' -H "x-portkey-custom-host: $STUB/v1")
declare -A URL=([direct]=$STUB [proxy]=http://127.0.0.1:$PROXY_PORT [portkey]=http://127.0.0.1:$PORTKEY_PORT)
wants intake && URL[intake]=$FLEET_INTAKE_URL
TARGETS=()
for t in intake portkey proxy; do wants $t && TARGETS+=("$t"); done
TARGETS+=(direct)   # last: the baseline of loadtest compare

{
  echo "stub $STUB_PID"
  wants proxy && echo "proxy $PROXY_PID"
  if wants portkey; then echo "portkey $PORTKEY_PID"; for c in $(descendants "$PORTKEY_PID"); do echo "portkey $c"; done; fi
  if wants intake; then
    launcher=$(cat $DOT/launcher.pid)
    for pid in $(descendants "$launcher"); do
      args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
      case "$args" in
        *KafkaBrokerMain*) echo "kafka $pid" ;;
        *redis*) echo "redis $pid" ;;
        *intake-service/target/quarkus-app/quarkus-run.jar*) echo "intake $pid" ;;
        *billing-service/target/quarkus-app/quarkus-run.jar*) echo "billing $pid" ;;
        *worker-service/target/quarkus-app/quarkus-run.jar*) echo "worker $pid" ;;
      esac
    done
  fi
} >"$OUT/procs"
if wants intake; then
  for role in intake kafka redis billing worker; do grep -q "^$role " "$OUT/procs" || die "no $role process found under the launcher"; done
fi

# every target answers the body, streamed too, before anything is measured
for t in "${TARGETS[@]}"; do
  code=$(curl -sS -o "$OUT/check-$t.json" -w '%{http_code}' -m 10 -XPOST "${URL[$t]}/v1/chat/completions" "${HEADERS[@]}" -d "$BODY") || code=000
  [ "$code" = 200 ] || die "$t answered $code to the chat body: $(head -c 300 "$OUT/check-$t.json")"
  curl -sS -N -m 10 -XPOST "${URL[$t]}/v1/chat/completions" "${HEADERS[@]}" -d "$SSE_BODY" >"$OUT/check-$t.sse" || die "$t: streamed request failed"
  grep -q '^data: \[DONE\]' "$OUT/check-$t.sse" || die "$t: the stream did not end with data: [DONE] (see $OUT/check-$t.sse)"
done
if wants intake; then
  grep -qi '^x-fleet-cache: *bypass\|^x-fleet-cache: *miss' <(curl -sS -D - -o /dev/null -XPOST "${URL[intake]}/v1/chat/completions" "${HEADERS[@]}" -d "$BODY") \
    || echo "note: intake's answer to Cache-Control: no-cache did not say X-Fleet-Cache: bypass/miss" >&2
fi

printf '{"id":"gateway-chat","lane":"interactive","feature":"","priority":"normal","expect":"ok","request":%s}\n' "$BODY" >"$OUT/chat.jsonl"
printf '{"id":"gateway-chat-sse","lane":"interactive","feature":"","priority":"normal","expect":"ok","request":%s}\n' "$SSE_BODY" >"$OUT/chat-sse.jsonl"
: >"$OUT/snapshots"

platform_ticks() { local sum=0 role pid; while read -r role pid; do case $role in kafka|redis|billing|worker) sum=$((sum + $(ticks "$pid"))) ;; esac; done <"$OUT/procs"; echo $sum; }
if wants intake; then
  # the platform's idle CPU (no traffic anywhere, after its start-up work): after a stage of intake's, snapshot.sh waits
  # until Kafka, Redis, billing and worker are back near this rate before the next target runs
  sleep 15; i0=$(platform_ticks); sleep 5; i1=$(platform_ticks)
  echo $(( (i1 - i0) * 3 / 10 + 3 )) >"$OUT/settle-ticks-per-s"   # 1.5 x the idle rate per second, + 3 ticks
fi

set_delay() { curl -fsS -XPOST "$STUB/admin/config" -H 'Content-Type: application/json' -d "{\"delay_ms\": $1}" >/dev/null || die "could not set the stub's delay"; }
alive() { local role pid; while read -r role pid; do kill -0 "$pid" 2>/dev/null || die "$role (pid $pid) died during the run"; done <"$OUT/procs"; }
load_avg() { cut -d' ' -f1-3 /proc/loadavg; }
loadtest() { java -XX:+UseSerialGC -jar "$LOADTEST_JAR" compare "${TARGET_ARGS[@]}" --api-key "${FLEET_API_KEY:-mdb_sim_local}" --no-cache \
  --header 'x-portkey-provider: openai' --header "x-portkey-custom-host: $STUB/v1" \
  --stage-hook "bash '$ROOT/bench/gateway/snapshot.sh' '$OUT'" --keep-alive-timeout 2s --no-fail-on-creep "$@"; }
TARGET_ARGS=()
for t in "${TARGETS[@]}"; do TARGET_ARGS+=(--target "$t=${URL[$t]}/v1"); done

# wrk: one Lua script per body; its done() prints the figures as one JSON line
lua_string() { jq -Rn --arg s "$1" '$s'; }   # a JSON string literal is a valid Lua string literal for these bodies
wrk_script() { # body file
  {
    echo "wrk.method = \"POST\""
    echo "wrk.body = $(lua_string "$1")"
    echo "wrk.headers[\"Content-Type\"] = \"application/json\""
    echo "wrk.headers[\"Authorization\"] = \"Bearer mdb_sim_local\""
    echo "wrk.headers[\"Cache-Control\"] = \"no-cache\""
    echo "wrk.headers[\"x-portkey-provider\"] = \"openai\""
    echo "wrk.headers[\"x-portkey-custom-host\"] = $(lua_string "$STUB/v1")"
    cat <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
EOF
  } >"$2"
}
wrk_script "$BODY" "$OUT/chat.lua"
wrk_script "$SSE_BODY" "$OUT/chat-sse.lua"
wrk_round() { # kind (closed | warmup | warmup-sse) target round seconds; snapshots under the current shape
  local kind=$1 t=$2 round=$3 secs=$4 file=$OUT/$1-$2-$3.txt lua=$OUT/chat.lua ok
  [ "$kind" = warmup-sse ] && lua=$OUT/chat-sse.lua
  LOADTEST_STAGE_EVENT=start LOADTEST_TARGET=$t LOADTEST_STAGE=$round bash bench/gateway/snapshot.sh "$OUT"
  wrk -t2 -c"$CONNECTIONS" -d"${secs}s" --timeout 30s --latency -s "$lua" "${URL[$t]}/v1/chat/completions" >"$file" 2>&1 || status=1
  ok=$(sed -n 's/^WRKJSON //p' "$file" | jq '.requests - .status')
  # after a warm-up the backlog of usage events can be large: let the platform settle for up to 3 minutes
  SETTLE_MAX_SECONDS=$([[ $kind == warmup* ]] && echo 180 || echo 60) \
    LOADTEST_STAGE_EVENT=end LOADTEST_TARGET=$t LOADTEST_STAGE=$round LOADTEST_STAGE_OK=${ok:-0} bash bench/gateway/snapshot.sh "$OUT"
  sed -n 's/^WRKJSON //p' "$file" | jq -r --arg t "$t" --arg r "$round" --arg k "$kind" \
    '"  \($k) \($r) -> \($t): \(.requests) requests, \(.status) non-2xx, \(.connect + .read + .write + .timeout) socket errors, \(.requests * 1e6 / .duration_us | floor) req/s, p50 \(.p50_us / 1000) ms, p99 \(.p99_us / 1000) ms"'
}

LOAD_BEFORE=$(load_avg); STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
machine_banner "bench gateway" "the load generator, the stub, the proxy, Portkey and the whole platform"
echo "targets: $(for t in "${TARGETS[@]}"; do printf '%s=%s ' "$t" "${URL[$t]}"; done)"
echo "results: $OUT"
status=0

# --- warm-up: every target as fast as it goes, JSON then streamed, the stub answering at once (not measured) ---
echo; echo "== warm-up: wrk -c$CONNECTIONS, ${WARMUP_SECONDS} s JSON + ${WARMUP_SECONDS} s streamed per target, stub delay 0 ms (not measured) =="
set_delay 0
echo warmup >"$OUT/shape"
for t in "${TARGETS[@]}"; do
  wrk_round warmup "$t" 0 "$WARMUP_SECONDS"
  wrk_round warmup-sse "$t" 0 "$WARMUP_SECONDS"
done

# --- open loop: loadtest's warm-up per target, then per round every rate on every target in turn ---
set_delay "$DELAY_MS"
stages=()
for _ in $(seq 1 "$ROUNDS"); do for r in $RATES; do stages+=("${r}x${STAGE_SECONDS}s"); done; done
echo; echo "== open loop: ${RATES// /, } req/s x ${STAGE_SECONDS} s, $ROUNDS rounds, stub delay $DELAY_MS ms (warm-up $WARMUP per target first) =="
echo open >"$OUT/shape"
loadtest --workload "$OUT/chat.jsonl" --warmup "$WARMUP" --stages "$(IFS=,; echo "${stages[*]}")" --json "$OUT/open.json" \
  2>&1 | tee "$OUT/open.txt" || status=1
alive

# --- SSE: time to the first streamed byte at a modest rate ---
echo; echo "== SSE: ${SSE_RATE} req/s x ${SSE_SECONDS} s streamed, $ROUNDS rounds, stub delay $DELAY_MS ms =="
echo sse >"$OUT/shape"
stages=(); for _ in $(seq 1 "$ROUNDS"); do stages+=("${SSE_RATE}x${SSE_SECONDS}s"); done
loadtest --workload "$OUT/chat-sse.jsonl" --warmup "${SSE_RATE}x5s" --stages "$(IFS=,; echo "${stages[*]}")" --json "$OUT/sse.json" \
  2>&1 | tee "$OUT/sse.txt" || status=1
alive

# --- closed loop: wrk, BENCH_CONNECTIONS connections, the stub answering at once ---
echo; echo "== closed loop: wrk -c$CONNECTIONS -d${CLOSED_SECONDS}s, $ROUNDS rounds, stub delay $CLOSED_DELAY_MS ms =="
set_delay "$CLOSED_DELAY_MS"
echo closed >"$OUT/shape"
for round in $(seq 1 "$ROUNDS"); do
  for t in "${TARGETS[@]}"; do wrk_round closed "$t" "$round" "$CLOSED_SECONDS"; done
done
alive
set_delay "$DELAY_MS"

LOAD_AFTER=$(load_avg); FINISHED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
jq -n --arg started "$STARTED" --arg finished "$FINISHED" --arg load_before "$LOAD_BEFORE" --arg load_after "$LOAD_AFTER" \
  --arg commit "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo '+dirty')" \
  --arg machine "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/^Mem:/ {print $2}') GiB" \
  --arg node "$(node --version)" --arg java "$(java -version 2>&1 | head -1)" --arg wrk "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)" \
  --argjson hz "$(getconf CLK_TCK)" --argjson rounds "$ROUNDS" --arg rates "$RATES" --argjson stage_seconds "$STAGE_SECONDS" \
  --arg warmup "$WARMUP" --argjson warmup_seconds "$WARMUP_SECONDS" --argjson delay_ms "$DELAY_MS" --argjson connections "$CONNECTIONS" --argjson closed_seconds "$CLOSED_SECONDS" \
  --argjson closed_delay_ms "$CLOSED_DELAY_MS" --argjson sse_rate "$SSE_RATE" --argjson sse_seconds "$SSE_SECONDS" \
  --arg targets "${TARGETS[*]}" --arg portkey_version "$PORTKEY_VERSION" --arg body "$BODY" \
  '{started: $started, finished: $finished, load_before: $load_before, load_after: $load_after, commit: $commit, machine: $machine,
    node: $node, java: $java, wrk: $wrk, clk_tck: $hz, rounds: $rounds, rates: ($rates | split(" ") | map(tonumber)),
    stage_seconds: $stage_seconds, warmup: $warmup, warmup_seconds: $warmup_seconds, delay_ms: $delay_ms, connections: $connections, closed_seconds: $closed_seconds,
    closed_delay_ms: $closed_delay_ms, sse_rate: $sse_rate, sse_seconds: $sse_seconds, targets: ($targets | split(" ")),
    portkey_version: $portkey_version, body: $body}' >"$OUT/meta.json"

echo
node bench/gateway/report.mjs "$OUT" || status=1
echo "load average before $LOAD_BEFORE, after $LOAD_AFTER; results in $OUT (results.md, results.json, raw files)"
wants intake && log_summary intake-service
exit $status
