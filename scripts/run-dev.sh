#!/usr/bin/env bash
# `make run`: throwaway Redis and Postgres under .run/, the control plane in dev mode (a dev team
# and key), and three simulated hosts that register through the admin API and heartbeat.
# Ctrl-C stops it all.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

state_dir=${LIFECYCLE_STATE_DIR:-$root/.run}
api_key=${LIFECYCLE_DEV_API_KEY:-dev-key}
admin_key=${LIFECYCLE_ADMIN_KEY:-dev-admin-key}
http_port=${LIFECYCLE_HTTP_PORT:-8080}
redis_port=${LIFECYCLE_REDIS_PORT:-16379}
pg_port=${LIFECYCLE_POSTGRES_PORT:-15432}
sim_base_port=${LIFECYCLE_SIM_BASE_PORT:-9101}
sim_hosts=3
mkdir -p "$state_dir"

pids=()
cleanup() {
    trap - INT TERM EXIT
    echo "stopping…" >&2
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    scripts/servers.sh stop "$state_dir"
}
trap cleanup INT TERM EXIT

servers=$(scripts/servers.sh start "$state_dir" "$redis_port" "$pg_port")
redis=$(sed -n 's/^redis=//p' <<<"$servers")
postgres=$(sed -n 's/^postgres=//p' <<<"$servers")

echo "building…" >&2
dotnet build Lifecycle.sln -c Release -v quiet -nologo >"$state_dir/build.log" 2>&1 \
    || { tail -30 "$state_dir/build.log" >&2; exit 1; }

# One settings file for this run, read by the control plane and by ./lifecyclectl alike.
settings=$state_dir/lifecycle.json
cat >"$settings" <<JSON
{
  "Lifecycle": {
    "Postgres": { "ConnectionString": "$postgres" },
    "Redis": { "Configuration": "$redis" },
    "Admin": { "Key": "$admin_key" },
    "Dev": { "Enabled": true, "ApiKey": "$api_key" }
  }
}
JSON
chmod 600 "$settings"

LIFECYCLE_SETTINGS=$settings dotnet ControlPlane/bin/Release/net10.0/ControlPlane.dll \
    --urls "http://127.0.0.1:$http_port" \
    --contentRoot "$root/ControlPlane/bin/Release/net10.0" \
    >"$state_dir/control-plane.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break
    kill -0 "${pids[0]}" 2>/dev/null || { tail -30 "$state_dir/control-plane.log" >&2; exit 1; }
    sleep 0.2
done
curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null || { echo "control plane did not start; see $state_dir/control-plane.log" >&2; exit 1; }

# The hosts register themselves (a host left from an earlier run under the same name is
# decommissioned first: the restarted simulator is a new machine) and heartbeat every 30 s.
dotnet HostAgentSim/bin/Release/net10.0/HostAgentSim.dll \
    --Simulator:HostCount="$sim_hosts" --Simulator:BasePort="$sim_base_port" \
    --Simulator:ControlPlaneUrl="http://127.0.0.1:$http_port" --Simulator:AdminKey="$admin_key" \
    >"$state_dir/sim.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
    online=$({ curl -fsS "http://127.0.0.1:$http_port/v1/hosts" -H "Authorization: Bearer $admin_key" 2>/dev/null || true; } | grep -o '"status":"online"' | wc -l || true)
    ((online >= sim_hosts)) && break
    kill -0 "${pids[1]}" 2>/dev/null || { tail -30 "$state_dir/sim.log" >&2; exit 1; }
    sleep 0.2
done

api="http://127.0.0.1:$http_port"
cat <<TEXT

Lifecycle is running.
  API            $api   (team API key: $api_key, admin key: $admin_key)
  hosts          $sim_hosts simulated, gRPC on 127.0.0.1:$sim_base_port..$((sim_base_port + sim_hosts - 1))
  Redis          redis-cli -p $redis_port
  Postgres       psql -h 127.0.0.1 -p $pg_port -U lifecycle lifecycle
  logs           $state_dir/control-plane.log, $state_dir/sim.log

Try it:
  curl -s -X POST $api/v1/sandboxes -H 'Authorization: Bearer $api_key' \\
       -H 'Content-Type: application/json' -d '{"template":"base","vcpus":1,"memory_mb":512}'
  curl -s $api/v1/sandboxes/ID -H 'Authorization: Bearer $api_key'
  curl -s "$api/v1/sandboxes/ID/wait?status=running&timeout=30s" -H 'Authorization: Bearer $api_key'
  curl -s $api/v1/sandboxes/ID/events -H 'Authorization: Bearer $api_key'
  curl -s -X POST $api/v1/sandboxes/ID/pause  -H 'Authorization: Bearer $api_key'
  curl -s -X POST $api/v1/sandboxes/ID/resume -H 'Authorization: Bearer $api_key'
  curl -s -X DELETE $api/v1/sandboxes/ID      -H 'Authorization: Bearer $api_key'
  redis-cli -p $redis_port XRANGE lifecycle:events - +
  ./lifecyclectl streams      (also: pending, tail, dead, sandbox ID, hosts, stuck, reconcile; --json on each)
  curl -s $api/v1/hosts -H 'Authorization: Bearer $admin_key'
  curl -s $api/openapi/v1.json     (every route)

Ctrl-C stops everything.
TEXT
wait -n "${pids[@]}"
echo "a process exited; see $state_dir/*.log" >&2
