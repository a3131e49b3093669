#!/usr/bin/env bash
# platform: CPU per request and resident memory of every process of './fleet up': interactive misses (the whole pipeline to the simulator), interactive cache hits, async jobs, and both lanes at once.
#
# Usage: ./fleet bench platform      (FLEET_INTAKE_PORT etc. move the fixed ports; busy ones are moved for you)
# Env:   BENCH_RATE (interactive req/s, default 300), BENCH_SECONDS (default 30), BENCH_JOBS (backlog, default 20000),
#        BENCH_MIXED_RATE (interactive req/s while a second backlog drains, default 100), BENCH_MIXED_JOBS (default 10000),
#        BENCH_WARMUP_JOBS (default 3000), BENCH_WARMUP_SECONDS (default 40), BENCH_PLATFORM_ENV (VAR=value words for './fleet up'), BENCH_NMT (service
#        names: print 'jcmd VM.native_memory summary' of each after the load; needs NMT on, e.g.
#        FLEET_SERVICE_JVM_OPTS=-XX:NativeMemoryTracking=summary in the environment, which './fleet up' passes on),
#        BENCH_PROFILE=DIR (profile every service JVM with async-profiler, CPU samples every 1 ms of CPU time, from start to
#        './fleet down': one flame graph DIR/<service>-<pid>.html each; needs the tools.profiler:async-profiler jar,
#        fetched by Maven)
#
# One platform, the simulator reset (balance $1,000,000, start-up settings: latency 0, no faults, no limits), then:
#   warm-up  (not reported) 'loadtest jobs' of BENCH_WARMUP_JOBS jobs and BENCH_RATE interactive req/s x BENCH_WARMUP_SECONDS
#            of marked prompts (each a miss; shorter warm-ups left C2 compiling through phase 1, a third of the services' CPU);
#   idle     10 s of nothing: each process's idle CPU rate, subtracted from the phases' figures;
#   phase 1  interactive misses: the interactive expect-ok lines of mixed-v1 with Cache-Control: no-cache, open loop at
#            BENCH_RATE req/s for BENCH_SECONDS: every request validated, normalised, counted, routed, sent to the
#            simulator, its usage event through Kafka into billing's ledger;
#   fill     (not reported) 200 req/s x 30 s over those lines with the cache on: every body cached, the hit path warm;
#   phase 2  interactive hits: the same lines with the cache on at BENCH_RATE req/s for BENCH_SECONDS (cache hit ratio shown);
#   phase 3  async alone: BENCH_JOBS unique-prompt jobs (priority bulk) submitted as one backlog, until all finished;
#   phase 4  both lanes: BENCH_MIXED_JOBS more as a backlog, and while it drains BENCH_MIXED_RATE interactive req/s for
#            60 s with Cache-Control: no-cache ('loadtest mixed'); interactive p50/p99 and async jobs/s.
# CPU: utime + stime of each process from /proc/<pid>/stat around each phase, less its idle rate, per successful request
# (phases 1, 2) or per job (phase 3), and "platform" = all of them (the load generator excluded). Memory: VmRSS, RssAnon,
# RssFile and VmHWM (peak since start) from /proc/<pid>/status once the platform is ready and after each phase. The
# services' JVM options are whatever './fleet up' gives them (local-stack's Fleet.java), plus FLEET_SERVICE_JVM_OPTS.
# Exit: 0, or 1 on failure. Results: tables here, logs and JSON in $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
DOT=.fleet
RATE=${BENCH_RATE:-300}
SECONDS_PER_STAGE=${BENCH_SECONDS:-30}
JOBS=${BENCH_JOBS:-20000}
MIXED_RATE=${BENCH_MIXED_RATE:-100}
MIXED_JOBS=${BENCH_MIXED_JOBS:-10000}
WARMUP_JOBS=${BENCH_WARMUP_JOBS:-3000}
WARMUP_SECONDS=${BENCH_WARMUP_SECONDS:-40}
WORKLOAD=workloads/mixed-v1.jsonl
LOADTEST_JAR=loadtest/target/loadtest.jar
OUT=$(mktemp -d /tmp/fleet-bench-platform.XXXXXX)

die() { echo "bench platform: $*" >&2; exit 1; }
. "$(dirname "$0")/lib.bash"

prepare_load_bench
[ -f intake-service/target/quarkus-app/quarkus-run.jar ] || ./fleet build >"$OUT/build.log" 2>&1 || die "build failed; see $OUT/build.log"

if [ -n "${BENCH_PROFILE:-}" ]; then
  mkdir -p "$BENCH_PROFILE"
  BENCH_PROFILE=$(cd "$BENCH_PROFILE" && pwd)
  ./mvnw -B -q -ntp dependency:copy -Dartifact=tools.profiler:async-profiler:4.1 -DoutputDirectory="$OUT" >"$OUT/profiler.log" 2>&1 \
    || die "could not fetch tools.profiler:async-profiler:4.1; see $OUT/profiler.log"
  (cd "$OUT" && unzip -q -o async-profiler-4.1.jar 'linux-x64/*') || die "could not unpack async-profiler"
  # itimer: CPU-time samples without perf events (often not allowed in containers); %p = the JVM's pid
  export FLEET_SERVICE_JVM_OPTS="${FLEET_SERVICE_JVM_OPTS:-} -agentpath:$OUT/linux-x64/libasyncProfiler.so=start,event=itimer,interval=1ms,file=$BENCH_PROFILE/%p.html"
fi

# shellcheck disable=SC2086
platform_up ${BENCH_PLATFORM_ENV:-}
curl -fsS -XPOST "$SIM/admin/reset" -H 'Content-Type: application/json' \
  -d '{"balance_usd": 1000000, "restore_config": true}' >/dev/null || die "could not reset the simulator at $SIM"

# name -> pid of every process under the launcher (the worker runs under nice, which execs the JVM in place)
declare -A PID=()
for pid in $(cat "$DOT/launcher.pid") $(descendants "$(cat "$DOT/launcher.pid")"); do
  args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
  case "$args" in
    *KafkaBrokerMain*) PID[kafka]=$pid ;;
    *local-stack.jar*) PID[launcher]=$pid ;;
    *redis*) PID[redis]=$pid ;;
    *quarkus-run.jar*) PID[$(sed -E 's#.*/([a-z-]+)/target/quarkus-app/quarkus-run.jar.*#\1#' <<<"$args")]=$pid ;;
  esac
done
ORDER=(intake-service worker-service billing-service provider-sim kafka redis launcher)
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
mib() { awk -v k="${1:-0}" 'BEGIN { printf "%.0f", k / 1024 }'; }
# one line per process: name VmRSS RssAnon RssFile VmHWM (KiB) Threads, kept as $OUT/rss-LABEL
rss_snapshot() {
  local name
  for name in "${ORDER[@]}"; do
    [ -n "${PID[$name]:-}" ] || continue
    echo "$name $(status_kib "${PID[$name]}" VmRSS) $(status_kib "${PID[$name]}" RssAnon) $(status_kib "${PID[$name]}" RssFile) $(status_kib "${PID[$name]}" VmHWM) $(status_kib "${PID[$name]}" Threads)"
  done >"$OUT/rss-$1"
  echo "RSS after $1 (MiB): $(awk '{ printf "%s %.0f  ", $1, $2 / 1024 }' "$OUT/rss-$1")"
}

machine_banner platform "the load generator, Kafka, Redis, the simulator and the services"
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git status --porcelain 2>/dev/null | grep -q . && echo ' + working tree' || true); intake $FLEET_INTAKE_URL${BENCH_PLATFORM_ENV:+; platform env: $BENCH_PLATFORM_ENV}"
echo "service JVM options: $(tr '\0' ' ' <"/proc/${PID[intake-service]}/cmdline" | sed -E 's#^[^ ]*/java ##; s# -jar .*##')"
grep -E 'LLM Fleet is up in' "$OUT/up.log" || true
rss_snapshot ready
if [ -n "${BENCH_PROFILE:-}" ]; then
  for name in intake-service worker-service billing-service; do echo "$name ${PID[$name]:-}"; done >"$BENCH_PROFILE/pids.txt"
  echo "profiling: flame graphs <pid>.html in $BENCH_PROFILE once './fleet down' has stopped the JVMs; pids in $BENCH_PROFILE/pids.txt"
fi

LT=(java -XX:+UseSerialGC -Xmx512m -jar "$LOADTEST_JAR")
JOBS_ARGS=(--intake-url "$FLEET_INTAKE_URL" --worker-url "$FLEET_WORKER_URL" --kafka "$KAFKA_BOOTSTRAP_SERVERS"
           --provider-url "$FLEET_PROVIDER_URL" --unique --priority bulk --max-wait 300s)

echo; echo "== warm-up (not reported): $WARMUP_JOBS jobs, then $RATE interactive req/s x $WARMUP_SECONDS s of marked prompts =="
"${LT[@]}" jobs "${JOBS_ARGS[@]}" --jobs "$WARMUP_JOBS" --verify-sample 0 >"$OUT/warmup-jobs.out" 2>&1 || echo "(warm-up jobs exit $?)"
"${LT[@]}" run --base-url "$FLEET_INTAKE_URL/v1" --workload "$WORKLOAD" --lane interactive --warmup ${RATE}x${WARMUP_SECONDS}s --stages 1x1s \
  >"$OUT/warmup-run.out" 2>&1 || echo "(warm-up run exit $?)"
rss_snapshot warm-up

rc=0
echo; echo "== idle: 10 s of nothing (each process's idle CPU rate) =="
measured_run "idle" idle "$OUT/idle.out" sleep 10

echo; echo "== phase 1: interactive misses, ${RATE} req/s x ${SECONDS_PER_STAGE} s (Cache-Control: no-cache) =="
measured_run "loadtest run" miss "$OUT/miss.out" "${LT[@]}" run --base-url "$FLEET_INTAKE_URL/v1" \
  --workload "$WORKLOAD" --lane interactive --no-cache --stages "${RATE}x${SECONDS_PER_STAGE}s" --no-fail-on-creep \
  --json "$OUT/miss.json" || rc=1
rss_snapshot miss

echo; echo "== fill (not reported): 200 req/s x 30 s over the interactive lines with the cache on =="
"${LT[@]}" run --base-url "$FLEET_INTAKE_URL/v1" --workload "$WORKLOAD" --lane interactive --stages 200x30s --no-fail-on-creep \
  >"$OUT/fill.out" 2>&1 || echo "(fill exit $?)"

echo; echo "== phase 2: interactive hits, ${RATE} req/s x ${SECONDS_PER_STAGE} s (cache on, every body cached) =="
measured_run "loadtest run" hit "$OUT/hit.out" "${LT[@]}" run --base-url "$FLEET_INTAKE_URL/v1" \
  --workload "$WORKLOAD" --lane interactive --stages "${RATE}x${SECONDS_PER_STAGE}s" --no-fail-on-creep \
  --json "$OUT/hit.json" || rc=1
rss_snapshot hit

echo; echo "== phase 3: async alone, $JOBS jobs as one backlog =="
measured_run "loadtest jobs" jobs "$OUT/jobs.out" "${LT[@]}" jobs "${JOBS_ARGS[@]}" --jobs "$JOBS" --json "$OUT/jobs.json" || rc=1
rss_snapshot jobs

echo; echo "== phase 4: both lanes, $MIXED_JOBS jobs as a backlog and ${MIXED_RATE} interactive req/s x 60 s while it drains =="
measured_run "loadtest mixed" mixed "$OUT/mixed.out" "${LT[@]}" mixed --base-url "$FLEET_INTAKE_URL/v1" --workload "$WORKLOAD" \
  --lane interactive --no-cache --stages "${MIXED_RATE}x60s" --no-fail-on-creep --jobs "$MIXED_JOBS" --unique --priority bulk \
  --worker-url "$FLEET_WORKER_URL" --kafka "$KAFKA_BOOTSTRAP_SERVERS" --provider-url "$FLEET_PROVIDER_URL" \
  --json "$OUT/mixed.json" || rc=1
rss_snapshot mixed

for name in ${BENCH_NMT:-}; do
  [ -n "${PID[$name]:-}" ] || continue
  echo; echo "== jcmd ${PID[$name]} VM.native_memory summary ($name, after the load) =="
  jcmd "${PID[$name]}" VM.native_memory summary >"$OUT/nmt-$name.txt" 2>&1 || true
  grep -E '^(Total|-? *[A-Z][A-Za-z .]+ \(reserved)' "$OUT/nmt-$name.txt" | sed -E 's/^-? *//' || cat "$OUT/nmt-$name.txt"
  echo "full report in $OUT/nmt-$name.txt"
done

echo; echo "== summary =="
ok_of() { [ -f "$OUT/$1.json" ] && jq -r "$2" "$OUT/$1.json" || echo 0; }
cpu_ms_per_unit miss "$(ok_of miss '.stages[0].ok')" idle >"$OUT/cpu-ms-miss"
cpu_ms_per_unit hit "$(ok_of hit '.stages[0].ok')" idle >"$OUT/cpu-ms-hit"
cpu_ms_per_unit jobs "$(ok_of jobs '.succeeded')" idle >"$OUT/cpu-ms-jobs"
echo "| CPU ms per unit, net of idle | interactive miss (per request) | interactive hit (per request) | async (per job) |"
echo "| --- | --- | --- | --- |"
for name in "${ORDER[@]}" platform; do
  [ "$name" = platform ] || [ -n "${PID[$name]:-}" ] || continue
  row="| $name"
  for label in miss hit jobs; do row+=" | $(awk -v n="$name" '$1 == n { print $2 }' "$OUT/cpu-ms-$label")"; done
  echo "$row |"
done
echo "(from /proc/<pid>/stat utime+stime around each phase, less 10 s idle's rate; platform = all but the launcher, the load generator not included)"
echo
echo "| process | RSS ready | RSS after warm-up | after phase 1 | after phase 2 | after phase 3 | after phase 4 (end) | of which anon / file | peak (VmHWM) | threads |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for name in "${ORDER[@]}"; do
  [ -n "${PID[$name]:-}" ] || continue
  row="| $name"
  for label in ready warm-up miss hit jobs mixed; do row+=" | $(mib "$(awk -v n="$name" '$1 == n { print $2 }' "$OUT/rss-$label")")"; done
  row+=" | $(awk -v n="$name" '$1 == n { printf "%.0f / %.0f", $3 / 1024, $4 / 1024 }' "$OUT/rss-mixed")"
  row+=" | $(mib "$(awk -v n="$name" '$1 == n { print $5 }' "$OUT/rss-mixed")") | $(awk -v n="$name" '$1 == n { print $6 }' "$OUT/rss-mixed") |"
  echo "$row"
done
echo "(MiB, from /proc/<pid>/status: VmRSS; RssAnon / RssFile at the end; VmHWM = the highest VmRSS since the process started; threads at the end)"
echo
echo "| throughput | figure |"
echo "| --- | --- |"
fmt_stage='"\(.achieved_rate * 10 | round / 10) ok/s of \(.target_rate) offered, p50 \(.latency_p50_ms * 10 | round / 10) ms, p99 \(.latency_p99_ms * 10 | round / 10) ms, \(.errors) errors, cache hits \((.cache_hit_ratio // 0) * 100 | round) %"'
for label in miss hit; do
  [ -f "$OUT/$label.json" ] && jq -r ".stages[0] | \"| phase $label: interactive | \" + $fmt_stage + \" |\"" "$OUT/$label.json" || echo "| $label | see $OUT/$label.out |"
done
[ -f "$OUT/jobs.json" ] && jq -r '"| phase 3: async alone, backlog of \(.submit.accepted) | end-to-end \(.end_to_end_jobs_per_second * 10 | round / 10) jobs/s, steady (10→90 %) \(if .steady_jobs_per_second then (.steady_jobs_per_second * 10 | round / 10) else "-" end), drain \(if .drain_jobs_per_second then (.drain_jobs_per_second * 10 | round / 10) else "-" end) (\(.succeeded) succeeded, \(.dead_lettered) dead) |"' "$OUT/jobs.json" || echo "| phase 3 | see $OUT/jobs.out |"
[ -f "$OUT/mixed.json" ] && jq -r ".phase_b as \$b | (\$b.interactive[0] | \"| phase 4: interactive while the backlog drains | \" + $fmt_stage + \" |\"), \"| phase 4: async jobs/s meanwhile | \(\$b.async_jobs_per_second * 10 | round / 10) (\(\$b.jobs_finished) finished in the 60 s) |\"" "$OUT/mixed.json" || echo "| phase 4 | see $OUT/mixed.out |"
echo; echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); logs and JSON in $OUT"
log_summary intake-service worker-service billing-service
exit $rc
