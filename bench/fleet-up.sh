#!/usr/bin/env bash
# fleet-up: seconds until './fleet up --detach' is ready and RSS of every process, N runs (default 3), each followed by './fleet down' and proof that nothing is left.
#
# Usage: ./fleet bench fleet-up [runs]      (FLEET_INTAKE_PORT etc. move the fixed ports, as for ./fleet up)
# Prints a markdown table; exits 1 if a run fails to come up, a service is not ready, or a process outlives './fleet down'.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-${FLEET_BENCH_RUNS:-3}}
DOT=.fleet
OUT=$(mktemp -d /tmp/fleet-bench-up.XXXXXX)
SERVICES=(provider-sim billing-service intake-service worker-service)

die() { echo "bench fleet-up: $*" >&2; exit 1; }
now() { echo "$EPOCHREALTIME"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
mib() { awk -v k="$1" 'BEGIN { if (k == "" || k < 0) print "-"; else printf "%.0f", k / 1024 }'; }
rss_kib() { local k; k=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true); echo "${k:-0}"; }
ticks_now() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", $1 * hz }' /proc/uptime; }
starttime() { awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[20] }' "/proc/$1/stat" 2>/dev/null || true; }
. "$(dirname "$0")/lib.bash"

# Same rule as ./fleet's build_if_needed, so a build never lands inside a timed run.
stale() {
  local m jar
  [ -f local-stack/target/local-stack.jar ] || return 0
  for m in "${SERVICES[@]}"; do
    jar=$m/target/quarkus-app/quarkus-run.jar
    [ -f "$jar" ] || return 0
    [ -z "$(find pom.xml */pom.xml common/src local-stack/src "$m/src" -newer "$jar" -print -quit 2>/dev/null)" ] || return 0
  done
  return 1
}

[ -f $DOT/launcher.pid ] && kill -0 "$(cat $DOT/launcher.pid)" 2>/dev/null && die "LLM Fleet is already up (pid $(cat $DOT/launcher.pid)); './fleet down' first"
for spec in FLEET_INTAKE_PORT:8080 FLEET_WORKER_PORT:8081 FLEET_BILLING_PORT:8082 FLEET_PROVIDER_PORT:8090; do
  var=${spec%%:*}; port=${!var:-${spec#*:}}
  ss -Hltn "sport = :$port" | grep -q . && die "port $port is busy ($(ss -Hltnp "sport = :$port" | head -1)); set $var to a free port"
done
[ -n "${MDB_BASE_URL:-}" ] && die "MDB_BASE_URL is set: this benchmark measures the platform with the simulator; unset it"

# A failed or interrupted run must not leave the platform up: stop what this script started.
in_run=0
cleanup() {
  if [ $in_run = 1 ] && [ -f $DOT/launcher.pid ] && kill -0 "$(cat $DOT/launcher.pid)" 2>/dev/null; then
    echo "bench fleet-up: stopping the platform this run started" >&2; ./fleet down >&2 || true
  fi
}
trap cleanup EXIT

rows=(); fail=0
for run in $(seq 1 "$RUNS"); do
  if stale; then echo "[run $run] sources newer than the jars: ./fleet build (not timed)" >&2; ./fleet build >"$OUT/build-$run.log" 2>&1 || die "build failed; see $OUT/build-$run.log"; fi
  rm -f $DOT/env
  run_ticks=$(ticks_now)
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(now); in_run=1
  ./fleet up --detach >"$OUT/up-$run.log" 2>&1 &
  up_pid=$!
  while [ ! -f $DOT/env ]; do
    kill -0 $up_pid 2>/dev/null || { cat "$OUT/up-$run.log" >&2; die "run $run: ./fleet up --detach ended without writing $DOT/env"; }
    sleep 0.05
  done
  t1=$(now)
  wait $up_pid || die "run $run: ./fleet up --detach failed; see $OUT/up-$run.log"
  launcher=$(cat $DOT/launcher.pid)
  # a source edited after the check above makes ./fleet up build inside the timed window: say so
  built=""; grep -q '^Building LLM Fleet' "$OUT/up-$run.log" && built=" (incl. a build)"
  cp $DOT/logs/launcher.log "$OUT/launcher-$run.log"
  reported=$(sed -n 's/.*LLM Fleet is up in \([0-9.]*\) s.*/\1/p' "$OUT/launcher-$run.log")
  # shellcheck disable=SC1090
  ( . $DOT/env; for url in "$FLEET_INTAKE_URL" "$FLEET_WORKER_URL" "$FLEET_BILLING_URL" "${FLEET_PROVIDER_URL%/v1}"; do
      code=$(curl -s -o /dev/null -w '%{http_code}' "$url/q/health/ready") || code=000
      [ "$code" = 200 ] || { echo "run $run: $url/q/health/ready answered $code" >&2; exit 1; }
    done ) || fail=1

  # Every process of this run: the launcher and all its descendants, with start times against pid reuse.
  declare -A rss=()
  : >"$OUT/pids-$run"
  for pid in "$launcher" $(descendants "$launcher"); do
    args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
    case "$args" in
      *KafkaBrokerMain*) name=kafka ;;   # before local-stack.jar: the broker runs from that classpath
      *local-stack.jar*) name=launcher ;;
      *redis*) name=redis ;;
      *quarkus-run.jar*) name=$(sed -E 's#.*/([a-z-]+)/target/quarkus-app/quarkus-run.jar.*#\1#' <<<"$args") ;;
      *) name="other:${args:0:60}" ;;
    esac
    echo "$pid $(starttime "$pid") $name" >>"$OUT/pids-$run"
    rss[$name]=$(( ${rss[$name]:-0} + $(rss_kib "$pid") ))
  done
  # RSS as the launcher printed it (the services only), for comparison with /proc read a moment later
  launcher_rss=$(grep -oE '^ +[a-z-]+ +http.*RSS [0-9]+ MiB' "$OUT/launcher-$run.log" | awk '{ print $1 "=" $(NF-1) }' | paste -sd' ' -)
  stack_dir=$(grep -oE '/[^ ]*llm-fleet-stack-[^/ ]+' <(tr '\0' ' ' </proc/"$(awk '$3=="kafka" {print $1}' "$OUT/pids-$run" | head -1)"/cmdline 2>/dev/null) | head -1 || true)

  d0=$(now)
  ./fleet down >"$OUT/down-$run.log" 2>&1 || { cat "$OUT/down-$run.log" >&2; fail=1; }
  d1=$(now); in_run=0

  # Nothing may be left: recorded pids (same start time), this run's stack folder, and orphans of the known kinds.
  sleep 1
  left=()
  while read -r pid st name; do
    [ -n "$st" ] && [ "$(starttime "$pid")" = "$st" ] && left+=("$pid($name)")
  done <"$OUT/pids-$run"
  for pid in $(pgrep -f 'quarkus-run.jar|KafkaBrokerMain|local-stack.jar|redis-server' || true); do
    [ "$pid" = $$ ] && continue
    ppid=$(awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[2] }' "/proc/$pid/stat" 2>/dev/null) || continue
    args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
    [ "$(starttime "$pid")" -ge "$run_ticks" ] 2>/dev/null || continue  # older: someone else's process
    if [ "$ppid" = 1 ] || { [ -n "$stack_dir" ] && [[ $args == *"$stack_dir"* ]]; }; then left+=("$pid(orphan: ${args:0:80})"); fi
  done
  [ -n "$stack_dir" ] && [ -e "$stack_dir" ] && left+=("folder $stack_dir")
  [ -e $DOT/env ] && left+=("$DOT/env")
  [ -e $DOT/launcher.pid ] && left+=("$DOT/launcher.pid")
  if [ ${#left[@]} -gt 0 ]; then echo "run $run: LEFT BEHIND after ./fleet down: ${left[*]}" >&2; fail=1; clean=no; else clean=yes; fi

  # Quarkus's own "started in" per service (the last start in each appended log)
  started=$(for m in "${SERVICES[@]}"; do grep -o 'started in [0-9.]*s' "$DOT/logs/$m.log" 2>/dev/null | tail -1 | grep -o '[0-9.]*' | awk '{ printf "%.1f", $1 }' || printf -- '-'; printf ' / '; done | sed 's| / $||')
  total=0; for k in "${!rss[@]}"; do total=$(( total + rss[$k] )); done
  rows+=("| $run | $(secs "$t0" "$t1")$built | ${reported:--} | $(mib "${rss[provider-sim]:-}") | $(mib "${rss[billing-service]:-}") | $(mib "${rss[intake-service]:-}") | $(mib "${rss[worker-service]:-}") | $(mib "${rss[kafka]:-}") | $(mib "${rss[redis]:-}") | $(mib "${rss[launcher]:-}") | $(mib $total) | $(secs "$d0" "$d1") | $clean | $started | $load |")
  echo "[run $run] up $(secs "$t0" "$t1") s (launcher: ${reported:-?} s; printed RSS MiB: $launcher_rss), down $(secs "$d0" "$d1") s, clean: $clean" >&2
  unset rss
done

echo
echo "| run | up: invocation → .fleet/env (s) | launcher's own \"up in\" (s) | provider-sim | billing | intake | worker | Kafka broker | Redis | launcher JVM | total RSS (MiB) | ./fleet down (s) | nothing left | Quarkus \"started in\" sim / billing / intake / worker (s) | load avg at start |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
echo
echo "RSS in MiB from /proc/<pid>/status (VmRSS) right after .fleet/env appeared. Logs: $OUT"
exit $fail
