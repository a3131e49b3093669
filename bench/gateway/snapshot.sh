#!/usr/bin/env bash
# Helper of bench/gateway.sh, run around every stage of every target (loadtest's --stage-hook; gateway.sh itself around
# each wrk round): appends, for each process listed in DIR/procs ("role pid" lines), one line to DIR/snapshots:
#   <shape> <stage> <target> <event> <ok> <unix time> <role> <pid> <cpu ticks: utime+stime> <VmRSS kB>
# At the end of an intake stage it then waits until the rest of the platform (Kafka, Redis, billing, worker) is back to
# its idle CPU rate (the usage events of that stage consumed; at most $SETTLE_MAX_SECONDS, default 60) and snapshots
# again as event "settled", so that work is counted for intake and does not spill into the next target's stage.
# Usage: LOADTEST_STAGE_EVENT=start|end LOADTEST_TARGET=name LOADTEST_STAGE=n [LOADTEST_STAGE_OK=n] snapshot.sh DIR
set -euo pipefail
dir=$1
event=${LOADTEST_STAGE_EVENT:?} target=${LOADTEST_TARGET:?} stage=${LOADTEST_STAGE:?} ok=${LOADTEST_STAGE_OK:--}
shape=$(cat "$dir/shape")

ticks() { awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$1/stat" 2>/dev/null || echo dead; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
snap() {
  local now role pid
  now=$(date +%s.%N)
  while read -r role pid; do
    echo "$shape $stage $target $1 $ok $now $role $pid $(ticks "$pid") $(rss "$pid")"
  done <"$dir/procs" >>"$dir/snapshots"
}
platform_ticks() {
  local sum=0 role pid t
  while read -r role pid; do
    case $role in kafka|redis|billing|worker) t=$(ticks "$pid"); [ "$t" = dead ] || sum=$((sum + t)) ;; esac
  done <"$dir/procs"
  echo $sum
}

snap "$event"
if [ "$event" = end ] && [ "$target" = intake ] && [ -s "$dir/settle-ticks-per-s" ]; then
  limit=$(cat "$dir/settle-ticks-per-s") quiet=0 before=$(platform_ticks)
  for _ in $(seq 1 "${SETTLE_MAX_SECONDS:-60}"); do
    sleep 1
    after=$(platform_ticks)
    if [ $((after - before)) -le "$limit" ]; then quiet=$((quiet + 1)); else quiet=0; fi
    before=$after
    [ $quiet -ge 2 ] && break
  done
  snap settled
fi
