#!/usr/bin/env bash
# `make run`: throwaway Redis and Postgres under .run/, the control plane in dev mode (a dev team
# and key), and three simulated hosts that register through the admin API and heartbeat.
#
# It supervises what it starts: when the control plane or the simulator exits (a crash, kill -9),
# it is started again after a short backoff while everything else keeps running. Every pid is in
# the state dir (control-plane.pid, sim.pid, redis.pid, postgres.pid), for fault tests that kill
# one part. Ctrl-C or SIGTERM stops everything.
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
sim_admin_port=${LIFECYCLE_SIM_ADMIN_PORT:-9100}
sim_hosts=3
# LIFECYCLE_SKIP_BUILD=1 runs what is already built; LIFECYCLE_BIN_DIR, a folder holding both
# ControlPlane.dll and HostAgentSim.dll (a test project's output does), instead of the Release builds.
skip_build=${LIFECYCLE_SKIP_BUILD:-0}
control_plane_dir=${LIFECYCLE_BIN_DIR:-$root/ControlPlane/bin/Release/net10.0}
sim_dir=${LIFECYCLE_BIN_DIR:-$root/HostAgentSim/bin/Release/net10.0}
mkdir -p "$state_dir"
state_dir=$(cd "$state_dir" && pwd)
supervisor_log=$state_dir/supervisor.log

# Stderr, and a file that outlives the terminal: what exited, with what status, and when.
say() {
    echo "$*" >&2
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*" >>"$supervisor_log"
}

cp_pid=""
sim_pid=""
cleanup() {
    trap - INT TERM EXIT
    echo "stopping…" >&2
    local pid
    for pid in $cp_pid $sim_pid; do kill "$pid" 2>/dev/null || true; done
    for pid in $cp_pid $sim_pid; do wait "$pid" 2>/dev/null || true; done
    rm -f "$state_dir/control-plane.pid" "$state_dir/sim.pid"
    scripts/servers.sh stop "$state_dir"
}
# A signal's handler must end the script itself: after a trap returns, bash carries on where it was.
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap cleanup EXIT

servers=$(scripts/servers.sh start "$state_dir" "$redis_port" "$pg_port")
redis=$(sed -n 's/^redis=//p' <<<"$servers")
postgres=$(sed -n 's/^postgres=//p' <<<"$servers")

if [[ $skip_build != 1 ]]; then
    echo "building…" >&2
    dotnet build Lifecycle.sln -c Release -v quiet -nologo >"$state_dir/build.log" 2>&1 \
        || { tail -30 "$state_dir/build.log" >&2; exit 1; }
fi

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

# Logs are appended to: a restart keeps the lines that tell why the last one died.
: >"$state_dir/control-plane.log"
: >"$state_dir/sim.log"

start_control_plane() {
    LIFECYCLE_SETTINGS=$settings dotnet "$control_plane_dir/ControlPlane.dll" \
        --urls "http://127.0.0.1:$http_port" \
        --contentRoot "$control_plane_dir" \
        >>"$state_dir/control-plane.log" 2>&1 &
    cp_pid=$!
    echo "$cp_pid" >"$state_dir/control-plane.pid"
}

# The hosts register themselves (a host left from an earlier run under the same name is
# decommissioned first: the restarted simulator is a new machine) and heartbeat every 30 s.
start_sim() {
    dotnet "$sim_dir/HostAgentSim.dll" \
        --Simulator:HostCount="$sim_hosts" --Simulator:BasePort="$sim_base_port" \
        --Simulator:AdminPort="$sim_admin_port" \
        --Simulator:ControlPlaneUrl="http://127.0.0.1:$http_port" --Simulator:AdminKey="$admin_key" \
        >>"$state_dir/sim.log" 2>&1 &
    sim_pid=$!
    echo "$sim_pid" >"$state_dir/sim.pid"
}

start_control_plane
for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break
    kill -0 "$cp_pid" 2>/dev/null || { tail -30 "$state_dir/control-plane.log" >&2; exit 1; }
    sleep 0.2
done
curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null || { echo "control plane did not start; see $state_dir/control-plane.log" >&2; exit 1; }

start_sim
for _ in $(seq 1 100); do
    online=$({ curl -fsS "http://127.0.0.1:$http_port/v1/hosts" -H "Authorization: Bearer $admin_key" 2>/dev/null || true; } | grep -o '"status":"online"' | wc -l || true)
    ((online >= sim_hosts)) && break
    kill -0 "$sim_pid" 2>/dev/null || { tail -30 "$state_dir/sim.log" >&2; exit 1; }
    sleep 0.2
done

api="http://127.0.0.1:$http_port"
cat <<TEXT

Lifecycle is running.
  API            $api   (team API key: $api_key, admin key: $admin_key)
  hosts          $sim_hosts simulated, gRPC on 127.0.0.1:$sim_base_port..$((sim_base_port + sim_hosts - 1))
  sim admin      http://127.0.0.1:$sim_admin_port/admin/hosts   (freeze, thaw, restart, faults, exit; see README)
  Redis          redis-cli -p $redis_port
  Postgres       psql -h 127.0.0.1 -p $pg_port -U lifecycle lifecycle
  logs           $state_dir/control-plane.log, $state_dir/sim.log, $state_dir/supervisor.log
  pids           $state_dir/{control-plane,sim,redis,postgres}.pid

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

Faults:
  curl -s http://127.0.0.1:$sim_admin_port/admin/hosts
  curl -s -X POST http://127.0.0.1:$sim_admin_port/admin/hosts/sim-0/freeze      (and …/thaw)
  curl -s -X POST "http://127.0.0.1:$sim_admin_port/admin/hosts/sim-0/restart?mode=keep&down_ms=5000"
  kill -9 \$(cat $state_dir/control-plane.pid)      (restarted within seconds; see supervisor.log)

Ctrl-C stops everything.
TEXT

# Supervise: whichever of the two exits is started again, the other and the servers untouched.
# The delay before a restart is 1 s, doubling up to 30 s while a process keeps dying within 10 s.
cp_delay=0 sim_delay=0 cp_started=$SECONDS sim_started=$SECONDS
delay_after() { # PREVIOUS_DELAY STARTED_AT
    local delay=$(($1 * 2))
    ((SECONDS - $2 >= 10 || delay < 1)) && delay=1
    echo $((delay > 30 ? 30 : delay))
}
# sleep in the background: a trapped signal interrupts `wait` at once, not a foreground sleep.
pause() { sleep "$1" & wait $!; }
while true; do
    ended=""
    set +e
    wait -n -p ended "$cp_pid" "$sim_pid"
    status=$?
    set -e
    if [[ $ended == "$cp_pid" ]]; then
        cp_delay=$(delay_after "$cp_delay" "$cp_started")
        say "control plane exited with status $status; restarting in ${cp_delay}s"
        pause "$cp_delay"
        cp_started=$SECONDS
        start_control_plane
        say "control plane restarted (pid $cp_pid)"
    elif [[ $ended == "$sim_pid" ]]; then
        sim_delay=$(delay_after "$sim_delay" "$sim_started")
        say "simulator exited with status $status; restarting in ${sim_delay}s"
        pause "$sim_delay"
        sim_started=$SECONDS
        start_sim
        say "simulator restarted (pid $sim_pid)"
    fi
done
