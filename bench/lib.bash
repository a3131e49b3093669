# Shared by the benchmark scripts (sourced, not run): refuse a running platform, move busy ports.

busy() { ss -Hltn "sport = :$1" | grep -q .; }

# The platform must be down and measured against the simulator, not a real provider.
require_idle_platform() {
  [ -n "${MDB_BASE_URL:-}" ] && die "MDB_BASE_URL is set: this benchmark measures the platform against the simulator; unset it"
  [ -f "$DOT/launcher.pid" ] && kill -0 "$(cat "$DOT/launcher.pid")" 2>/dev/null && die "LLM Fleet is already up (pid $(cat "$DOT/launcher.pid")); './fleet down' first"
  return 0
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
