# Shared by the benchmark scripts (sourced, not run): refuse a running platform, move busy ports, start the platform,
# measure runs (CPU seconds, load average) and report on the machine and the services' logs.

busy() { ss -Hltn "sport = :$1" | grep -q .; }

# The platform must be down and measured against the simulator, not a real provider.
require_idle_platform() {
  [ -n "${MDB_BASE_URL:-}" ] && die "MDB_BASE_URL is set: this benchmark measures the platform against the simulator; unset it"
  [ -f "$DOT/launcher.pid" ] && kill -0 "$(cat "$DOT/launcher.pid")" 2>/dev/null && die "LLM Fleet is already up (pid $(cat "$DOT/launcher.pid")); './fleet down' first"
  return 0
}

# The common start of a benchmark driven by the load tool: curl and jq at hand, the platform down, free ports, and a
# loadtest jar as new as its sources ($LOADTEST_JAR, $OUT and die come from the script).
prepare_load_bench() {
  command -v curl >/dev/null || die "needs curl"
  command -v jq >/dev/null || die "needs jq"
  require_idle_platform
  pick_free_ports
  if [ ! -f "$LOADTEST_JAR" ] || [ -n "$(find loadtest/pom.xml loadtest/src/main -newer "$LOADTEST_JAR" -print -quit 2>/dev/null)" ]; then
    ./mvnw -B -q -ntp -pl loadtest package -DskipTests >"$OUT/build.log" 2>&1 || die "loadtest build failed; see $OUT/build.log"
  fi
}

# A busy default port is moved to a free one; a port the caller chose is used as is.
pick_free_ports() {
  local chosen=() spec var port candidate
  for spec in FLEET_INTAKE_PORT:8080 FLEET_WORKER_PORT:8081 FLEET_BILLING_PORT:8082 FLEET_PROVIDER_PORT:8090; do
    var=${spec%%:*}
    if [ -n "${!var:-}" ]; then chosen+=("${!var}"); continue; fi
    port=${spec#*:}
    if busy "$port"; then
      for candidate in $(seq $((port + 10000)) $((port + 10200))); do
        busy "$candidate" || [[ " ${chosen[*]} " == *" $candidate "* ]] || { port=$candidate; break; }
      done
      echo "port ${spec#*:} is busy: $var=$port" >&2
    fi
    export "$var=$port"; chosen+=("$port")
  done
}

# CPU seconds (user + system) of every process of the platform, by name, and of this machine as a whole
descendants() { local c; for c in $(pgrep -P "$1" || true); do echo "$c"; descendants "$c"; done; }
ticks() { awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$1/stat" 2>/dev/null || echo 0; }
cpu_snapshot() {
  local launcher pid args name
  launcher=$(cat $DOT/launcher.pid)
  for pid in "$launcher" $(descendants "$launcher"); do
    args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
    case "$args" in
      *KafkaBrokerMain*) name=kafka ;;
      *local-stack.jar*) name=launcher ;;
      *redis*) name=redis ;;
      *quarkus-run.jar*) name=$(sed -E 's#.*/([a-z-]+)/target/quarkus-app/quarkus-run.jar.*#\1#' <<<"$args") ;;
      *) continue ;;
    esac
    echo "$name $(ticks "$pid")"
  done
  echo "machine $(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat)"
}
cpu_report() { # before-file after-file seconds
  awk -v hz="$(getconf CLK_TCK)" -v secs="$3" -v cores="$(nproc)" '
    NR == FNR { before[$1] += $2; next } { after[$1] += $2 }
    END { line = "CPU seconds used (share of " cores " cores over " secs " s):";
          n = split("worker-service intake-service provider-sim billing-service kafka redis launcher machine", order, " ");
          for (i = 1; i <= n; i++) { k = order[i]; if (!(k in after)) continue; d = (after[k] - before[k]) / hz;
            line = line sprintf(" %s %.0f s (%.0f%%)", k, d, 100 * d / (secs * cores)) }
          print line }' "$1" "$2"
}

# One measured run: the command, its output shown and kept in LOG; around it the CPU seconds each process of the platform
# used (snapshots kept as $OUT/cpu-before-LABEL and cpu-after-LABEL) and the load average at its start and end. A failing
# command is noted as "(NAME exit N)" before the figures; answers the command's exit code.
measured_run() { # name label log command...
  local name=$1 label=$2 log=$3 t0 t1 load0 status=0
  shift 3
  cpu_snapshot >"$OUT/cpu-before-$label"; t0=$(date +%s.%N); load0=$(cut -d' ' -f1 /proc/loadavg)
  "$@" 2>&1 | tee "$log" || status=$?
  t1=$(date +%s.%N); cpu_snapshot >"$OUT/cpu-after-$label"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >"$OUT/secs-$label"
  [ "$status" = 0 ] || echo "($name exit $status)"
  cpu_report "$OUT/cpu-before-$label" "$OUT/cpu-after-$label" "$(awk '{ printf "%.0f", $1 }' "$OUT/secs-$label")"
  echo "load average at start $load0, at end $(cut -d' ' -f1 /proc/loadavg)"
  return "$status"
}

# CPU milliseconds per unit (request, job) of each process during measured run LABEL, net of what the process burns idle:
# the run IDLE (a measured 'sleep') gives each process's idle rate, subtracted over the run's length. One line per
# process, "name ms", then "platform ms" (every process but the launcher and the machine total).
cpu_ms_per_unit() { # label count idle-label
  awk -v hz="$(getconf CLK_TCK)" -v n="$2" -v secs="$(cat "$OUT/secs-$1")" -v idle_secs="$(cat "$OUT/secs-$3")" '
    FILENAME ~ /cpu-before-/ && FILENAME ~ /-'"$3"'$/ { ib[$1] = $2; next }
    FILENAME ~ /cpu-after-/ && FILENAME ~ /-'"$3"'$/ { ia[$1] = $2; next }
    FILENAME ~ /cpu-before-/ { b[$1] = $2; next }
    { a[$1] = $2; order[++k] = $1 }
    END { if (n <= 0) exit;
          for (i = 1; i <= k; i++) { p = order[i]; if (p == "machine") continue;
            idle = (p in ia) ? (ia[p] - ib[p]) / idle_secs * secs : 0;
            ms = ((a[p] - b[p]) - idle) / hz * 1000 / n; if (ms < 0) ms = 0;
            printf "%s %.3f\n", p, ms; if (p != "launcher") total += ms }
          printf "platform %.3f\n", total }' \
    "$OUT/cpu-before-$3" "$OUT/cpu-after-$3" "$OUT/cpu-before-$1" "$OUT/cpu-after-$1"
}

# The first lines of a report: which benchmark, when, on what machine, its load before, and what shares it.
machine_banner() { # benchmark what-runs-here
  echo "$1 on $(date -u +%Y-%m-%dT%H:%MZ): $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/^Mem:/ {print $2}') GiB,"
  echo "load average before $(cut -d' ' -f1-3 /proc/loadavg); $2 all on this machine"
}

# Starts the platform for this benchmark ('./fleet down' when the script exits), reads .fleet/env into the environment
# (so the load tool finds FLEET_API_KEY and FLEET_ADMIN_KEY) and sets SIM (the simulator's base URL). Arguments are VAR=value settings for the platform. Remembers where each service's log ended,
# since ./fleet appends to it, so log_summary reports this run only.
declare -gA LOG_FROM
platform_up() {
  local svc
  for svc in intake-service worker-service billing-service; do
    LOG_FROM[$svc]=1
    [ -f "$DOT/logs/$svc.log" ] && LOG_FROM[$svc]=$(( $(wc -l <"$DOT/logs/$svc.log") + 1 ))
  done
  env "$@" ./fleet up --detach >"$OUT/up.log" 2>&1 || { cat "$OUT/up.log" >&2; die "./fleet up --detach failed"; }
  trap "./fleet down >/dev/null 2>&1 || echo 'bench $(basename "$0" .sh): ./fleet down failed' >&2" EXIT
  set -a
  # shellcheck disable=SC1090
  . "$DOT/env"
  set +a
  SIM=${FLEET_PROVIDER_URL%/v1}
}

# This run's part of each named service's log, saved under $OUT: its ERROR and WARN lines counted, the commonest shown.
log_summary() {
  local svc part
  for svc in "$@"; do
    [ -f "$DOT/logs/$svc.log" ] || continue
    part=$OUT/$svc.log
    tail -n +"${LOG_FROM[$svc]:-1}" "$DOT/logs/$svc.log" >"$part"
    echo "$DOT/logs/$svc.log (this run): $(grep -c '"level":"ERROR"' "$part" || true) ERROR and $(grep -c '"level":"WARN"' "$part" || true) WARN lines"
    if command -v jq >/dev/null; then
      jq -rR 'fromjson? | select(.level == "WARN" or .level == "ERROR") | "\(.level) \(.loggerName): \(.message[0:100]) \(.exception.exceptionType // "")"' "$part" \
        | sort | uniq -c | sort -rn | head -5
    fi
  done
}
