#!/usr/bin/env bash
# `make run`: throwaway Redis and Postgres under .run/, the control plane in dev mode (a dev team
# and key), and three simulated hosts that register through the admin API and heartbeat, with
# mutual TLS between them from a CA made into .run/ca/.
#
# LIFECYCLE_REPLICAS=N (1 by default) runs N control-plane replicas on LIFECYCLE_HTTP_PORT+1..+N, named
# replica-1..replica-N (Lifecycle:Replica:Name), behind HAProxy on LIFECYCLE_HTTP_PORT. With one, the
# control plane itself listens on LIFECYCLE_HTTP_PORT, as it always did. LIFECYCLE_REDIS_MODE=cluster
# runs a six-node Redis Cluster on LIFECYCLE_REDIS_PORT..+5 instead of the single Redis, and the events
# in 16 stream partitions (LIFECYCLE_PARTITIONS overrides the count in either mode; single: 1).
#
# It supervises what it starts: when a replica, the simulator or HAProxy exits (a crash, kill -9),
# it is started again after a short backoff while everything else keeps running. Every pid is in
# the state dir (control-plane.pid with one replica, replicas/replica-i.pid and .url, haproxy.pid,
# sim.pid, redis.pid, postgres.pid), for fault tests that kill one part. Ctrl-C, SIGTERM or a closed
# terminal (SIGHUP) stops everything, also when stdout is a pipe whose reader is gone (`| tee run.log`).
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
sim_host_vcpus=${LIFECYCLE_SIM_HOST_VCPUS:-96}
sim_host_memory_mb=${LIFECYCLE_SIM_HOST_MEMORY_MB:-393216}
sim_hosts=3
replicas=${LIFECYCLE_REPLICAS:-1}
redis_mode=${LIFECYCLE_REDIS_MODE:-single}
[[ $replicas =~ ^[1-9][0-9]*$ ]] || { echo "LIFECYCLE_REPLICAS must be a whole number from 1 up, not '$replicas'" >&2; exit 2; }
case $redis_mode in
    single) partitions=${LIFECYCLE_PARTITIONS:-1} ;;
    cluster) partitions=${LIFECYCLE_PARTITIONS:-16} ;;
    *) echo "LIFECYCLE_REDIS_MODE must be single or cluster, not '$redis_mode'" >&2; exit 2 ;;
esac
[[ $partitions =~ ^[1-9][0-9]*$ ]] || { echo "LIFECYCLE_PARTITIONS must be a whole number from 1 up, not '$partitions'" >&2; exit 2; }
if ((replicas > 1)) && ! command -v haproxy >/dev/null; then
    echo "haproxy not found (several replicas need it); run scripts/install-deps.sh" >&2
    exit 1
fi
# LIFECYCLE_SKIP_BUILD=1 runs what is already built; LIFECYCLE_BIN_DIR, a folder holding both
# ControlPlane.dll and HostAgentSim.dll (a test project's output does), instead of the Release builds.
skip_build=${LIFECYCLE_SKIP_BUILD:-0}
control_plane_dir=${LIFECYCLE_BIN_DIR:-$root/ControlPlane/bin/Release/net10.0}
sim_dir=${LIFECYCLE_BIN_DIR:-$root/HostAgentSim/bin/Release/net10.0}
mkdir -p "$state_dir"
state_dir=$(cd "$state_dir" && pwd)
supervisor_log=$state_dir/supervisor.log

# Stderr, and a file that outlives the terminal: what exited, with what status, and when.
# Stderr may be a pipe whose reader is gone or a hung-up terminal: a failed write there is ignored.
say() {
    echo "$*" >&2 2>/dev/null || true
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*" >>"$supervisor_log"
}

# Replica i (1..N) listens on replica_port[i] and runs as cp_pid[i] (index 0 unused).
declare -a cp_pid=() replica_port=()
sim_pid=""
haproxy_pid=""
pause_pid=""
replicas_dir=$state_dir/replicas
# Runs once, whatever ended the script. Nothing in it may stop it half way: no set -e, SIGPIPE ignored
# and every message through say (a write to a closed pipe would otherwise kill the script right
# there and leave everything running), the servers' messages into the supervisor log. The children
# are stopped by pid: started in the background they ignore SIGINT, so a Ctrl-C alone never ends
# them. SIGTERM first; SIGKILL for whatever is still there after 15 s.
cleanup() {
    trap - INT TERM HUP EXIT
    trap '' PIPE INT TERM HUP
    set +e
    say "stopping…"
    local pid pids=("${cp_pid[@]}" $sim_pid $haproxy_pid $pause_pid)
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for _ in $(seq 1 150); do
        local alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            say "pid $pid did not stop on SIGTERM; killing it"
            kill -9 "$pid" 2>/dev/null
        fi
    done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    rm -f "$state_dir/control-plane.pid" "$state_dir/sim.pid" "$state_dir/haproxy.pid" "$replicas_dir"/*.pid "$replicas_dir"/*.url
    scripts/servers.sh stop "$state_dir" >>"$supervisor_log" 2>&1
    say "stopped everything"
}
# A signal's handler must end the script itself: after a trap returns, bash carries on where it was.
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 129' HUP
trap cleanup EXIT

if [[ $redis_mode == cluster ]]; then
    servers=$(scripts/servers.sh cluster-start "$state_dir" "$redis_port" "$pg_port")
else
    servers=$(scripts/servers.sh start "$state_dir" "$redis_port" "$pg_port")
fi
redis=$(sed -n 's/^redis=//p' <<<"$servers")
postgres=$(sed -n 's/^postgres=//p' <<<"$servers")

if [[ $skip_build != 1 ]]; then
    echo "building…" >&2
    dotnet build Lifecycle.sln -c Release -v quiet -nologo >"$state_dir/build.log" 2>&1 \
        || { tail -30 "$state_dir/build.log" >&2; exit 1; }
fi

# The CA that signs the hosts' certificates and each replica's own client certificate (mutual TLS
# between them): made once with openssl and kept in the state dir, so every replica, and every run,
# uses the same one. The key is readable by its owner only.
ca_dir=$state_dir/ca
if [[ ! -s $ca_dir/ca.key || ! -s $ca_dir/ca.crt ]]; then
    command -v openssl >/dev/null || { echo "openssl not found (it makes the dev CA); run scripts/install-deps.sh" >&2; exit 1; }
    mkdir -p "$ca_dir"
    (umask 077 && openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$ca_dir/ca.key" -out "$ca_dir/ca.crt" -days 3650 -subj "/CN=Lifecycle dev CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign") \
        >"$state_dir/ca.log" 2>&1 || { cat "$state_dir/ca.log" >&2; exit 1; }
    chmod 644 "$ca_dir/ca.crt"
fi

# One settings file for this run, read by the control plane and by ./lifecyclectl alike.
settings=$state_dir/lifecycle.json
cat >"$settings" <<JSON
{
  "Lifecycle": {
    "Postgres": { "ConnectionString": "$postgres" },
    "Redis": { "Configuration": "$redis" },
    "Streams": { "Partitions": $partitions },
    "Admin": { "Key": "$admin_key" },
    "Dev": { "Enabled": true, "ApiKey": "$api_key" },
    "HostTrust": { "CaCertificatePath": "$ca_dir/ca.crt", "CaKeyPath": "$ca_dir/ca.key" }
  }
}
JSON
chmod 600 "$settings"

# Logs are appended to: a restart keeps the lines that tell why the last one died. One replica
# logs to control-plane.log, as it always did; several, each to replicas/replica-i.log.
mkdir -p "$replicas_dir"
: >"$state_dir/sim.log"
replica_log() { if ((replicas == 1)); then echo "$state_dir/control-plane.log"; else echo "$replicas_dir/replica-$1.log"; fi; }
for ((i = 1; i <= replicas; i++)); do
    replica_port[i]=$((replicas == 1 ? http_port : http_port + i))
    : >"$(replica_log "$i")"
done

start_replica() {
    local i=$1
    LIFECYCLE_SETTINGS=$settings dotnet "$control_plane_dir/ControlPlane.dll" \
        --urls "http://127.0.0.1:${replica_port[i]}" \
        --contentRoot "$control_plane_dir" \
        --Lifecycle:Replica:Name="replica-$i" \
        >>"$(replica_log "$i")" 2>&1 &
    cp_pid[i]=$!
    echo "${cp_pid[i]}" >"$replicas_dir/replica-$i.pid"
    echo "http://127.0.0.1:${replica_port[i]}" >"$replicas_dir/replica-$i.url"
    if ((replicas == 1)); then echo "${cp_pid[i]}" >"$state_dir/control-plane.pid"; fi
}

# Several replicas: HAProxy on the API port, in the foreground, so it is supervised like the rest.
start_haproxy() {
    haproxy -db -f "$state_dir/haproxy.cfg" >>"$state_dir/haproxy.log" 2>&1 &
    haproxy_pid=$!
    echo "$haproxy_pid" >"$state_dir/haproxy.pid"
}

# The hosts register themselves with a CSR each (a host left from an earlier run under the same name
# is decommissioned first: the restarted simulator is a new machine), serve gRPC over mutual TLS with
# the certificate they get, heartbeat every 30 s and renew their certificates before they expire.
start_sim() {
    dotnet "$sim_dir/HostAgentSim.dll" \
        --Simulator:HostCount="$sim_hosts" --Simulator:BasePort="$sim_base_port" \
        --Simulator:AdminPort="$sim_admin_port" \
        --Simulator:HostVcpus="$sim_host_vcpus" --Simulator:HostMemoryMb="$sim_host_memory_mb" \
        --Simulator:ControlPlaneUrl="http://127.0.0.1:$http_port" --Simulator:AdminKey="$admin_key" \
        --Simulator:CaCertificatePath="$ca_dir/ca.crt" \
        >>"$state_dir/sim.log" 2>&1 &
    sim_pid=$!
    echo "$sim_pid" >"$state_dir/sim.pid"
}

healthy() { curl -fsS "http://127.0.0.1:$1/healthz" >/dev/null 2>&1; }

# Every replica healthy within 30 s (they start side by side).
for ((i = 1; i <= replicas; i++)); do start_replica "$i"; done
for ((i = 1; i <= replicas; i++)); do
    for _ in $(seq 1 150); do
        healthy "${replica_port[i]}" && break
        kill -0 "${cp_pid[i]}" 2>/dev/null || { tail -30 "$(replica_log "$i")" >&2; exit 1; }
        sleep 0.2
    done
    healthy "${replica_port[i]}" || { echo "control plane replica-$i did not start; see $(replica_log "$i")" >&2; exit 1; }
done

if ((replicas > 1)); then
    scripts/haproxy-config.sh "$http_port" "${replica_port[@]}" >"$state_dir/haproxy.cfg"
    : >"$state_dir/haproxy.log"
    start_haproxy
    for _ in $(seq 1 50); do
        healthy "$http_port" && break
        kill -0 "$haproxy_pid" 2>/dev/null || { tail -30 "$state_dir/haproxy.log" >&2; exit 1; }
        sleep 0.2
    done
    healthy "$http_port" || { echo "haproxy did not answer on $http_port; see $state_dir/haproxy.log" >&2; exit 1; }
fi

start_sim
for _ in $(seq 1 100); do
    online=$({ curl -fsS "http://127.0.0.1:$http_port/v1/hosts" -H "Authorization: Bearer $admin_key" 2>/dev/null || true; } | grep -o '"status":"online"' | wc -l || true)
    ((online >= sim_hosts)) && break
    kill -0 "$sim_pid" 2>/dev/null || { tail -30 "$state_dir/sim.log" >&2; exit 1; }
    sleep 0.2
done

api="http://127.0.0.1:$http_port"
# The lines of the banner that depend on the replicas and the Redis mode.
if [[ $redis_mode == cluster ]]; then
    redis_cli="redis-cli -c -p $redis_port"
    redis_line="$redis_cli   (a cluster: nodes on $redis_port..$((redis_port + 5)), $partitions stream partitions)"
    server_pids="postgres}.pid, $state_dir/redis-cluster/PORT/redis.pid"
    kill_redis="scripts/servers.sh cluster-kill $state_dir $redis_port   (one node: its replica takes over; cluster-revive brings it back)"
else
    redis_cli="redis-cli -p $redis_port"
    redis_line=$redis_cli
    server_pids="redis,postgres}.pid"
    kill_redis="kill -9 \$(cat $state_dir/redis.pid)"
fi
if ((replicas == 1)); then
    api_note=""
    replica_lines=""
    logs="$state_dir/control-plane.log, $state_dir/sim.log, $state_dir/supervisor.log"
    pids="$state_dir/{control-plane,sim,$server_pids"
    kill_replica="kill -9 \$(cat $state_dir/control-plane.pid)      (restarted within seconds; see supervisor.log)"
else
    api_note="   HAProxy over $replicas replicas:"
    replica_lines=$(for ((i = 1; i <= replicas; i++)); do
        printf '\n  replica-%s      http://127.0.0.1:%s   (pid %s)' "$i" "${replica_port[i]}" "${cp_pid[i]}"
    done)
    logs="$replicas_dir/replica-*.log, $state_dir/haproxy.log, $state_dir/sim.log, $state_dir/supervisor.log"
    pids="$replicas_dir/replica-*.pid (and .url), $state_dir/{haproxy,sim,$server_pids"
    kill_replica="kill -9 \$(cat $replicas_dir/replica-2.pid)   (the balancer skips it; restarted within seconds; see supervisor.log)"
fi

cat <<TEXT

Lifecycle is running.
  API            $api   (team API key: $api_key, admin key: $admin_key)$api_note$replica_lines
  hosts          $sim_hosts simulated, gRPC over mutual TLS on https://127.0.0.1:$sim_base_port..$((sim_base_port + sim_hosts - 1))
  host trust     CA $ca_dir/ca.crt (key ca.key beside it; see docs/deployment.md)
  sim admin      http://127.0.0.1:$sim_admin_port/admin/hosts   (freeze, thaw, restart, faults, exit; see README)
  Redis          $redis_line
  Postgres       psql -h 127.0.0.1 -p $pg_port -U lifecycle lifecycle
  logs           $logs
  pids           $pids

Try it:
  curl -s -X POST $api/v1/sandboxes -H 'Authorization: Bearer $api_key' \\
       -H 'Content-Type: application/json' -d '{"template":"base","vcpus":1,"memory_mb":512}'
  curl -s $api/v1/sandboxes/ID -H 'Authorization: Bearer $api_key'
  curl -s "$api/v1/sandboxes/ID/wait?status=running&timeout=30s" -H 'Authorization: Bearer $api_key'
  curl -s $api/v1/sandboxes/ID/events -H 'Authorization: Bearer $api_key'
  curl -s -X POST $api/v1/sandboxes/ID/pause  -H 'Authorization: Bearer $api_key'
  curl -s -X POST $api/v1/sandboxes/ID/resume -H 'Authorization: Bearer $api_key'
  curl -s -X DELETE $api/v1/sandboxes/ID      -H 'Authorization: Bearer $api_key'
  $redis_cli XRANGE 'lifecycle:{p0}:events' - +      (partitions p0..p$((partitions - 1)); lifecyclectl reads them all)
  ./lifecyclectl streams      (also: pending, tail, dead, sandbox ID, hosts, stuck, owners, reconcile; --json on each)
  curl -s $api/v1/hosts -H 'Authorization: Bearer $admin_key'
  curl -s $api/openapi/v1.json     (every route)

Faults:
  curl -s http://127.0.0.1:$sim_admin_port/admin/hosts
  curl -s -X POST http://127.0.0.1:$sim_admin_port/admin/hosts/sim-0/freeze      (and …/thaw)
  curl -s -X POST "http://127.0.0.1:$sim_admin_port/admin/hosts/sim-0/restart?mode=keep&down_ms=5000"
  $kill_replica
  $kill_redis

Ctrl-C stops everything.
TEXT

# Supervise: whichever process exits (a replica, the simulator, HAProxy) is started again, the others
# and the servers untouched. The delay before a restart is 1 s, doubling up to 30 s while a process
# keeps dying within 10 s of its start. Delays and start times are kept per process, by name.
declare -A restart_delay=() started_at=()
for ((i = 1; i <= replicas; i++)); do restart_delay[replica-$i]=0 started_at[replica-$i]=$SECONDS; done
restart_delay[sim]=0 started_at[sim]=$SECONDS restart_delay[haproxy]=0 started_at[haproxy]=$SECONDS
delay_after() { # PREVIOUS_DELAY STARTED_AT
    local delay=$(($1 * 2))
    ((SECONDS - $2 >= 10 || delay < 1)) && delay=1
    echo $((delay > 30 ? 30 : delay))
}
# sleep in the background: a trapped signal interrupts `wait` at once, not a foreground sleep.
pause() { sleep "$1" & pause_pid=$!; wait "$pause_pid"; pause_pid=""; }
# Says what ended, waits out its delay, then runs the command that starts it again.
restart() { # NAME DESCRIPTION STATUS START_COMMAND...
    local name=$1 what=$2 status=$3
    shift 3
    restart_delay[$name]=$(delay_after "${restart_delay[$name]}" "${started_at[$name]}")
    say "$what exited with status $status; restarting in ${restart_delay[$name]}s"
    pause "${restart_delay[$name]}"
    started_at[$name]=$SECONDS
    "$@"
}
replica_name() { if ((replicas == 1)); then echo "control plane"; else echo "control plane replica-$1"; fi; }
while true; do
    ended=""
    set +e
    wait -n -p ended "${cp_pid[@]}" "$sim_pid" ${haproxy_pid:+"$haproxy_pid"}
    status=$?
    set -e
    for ((i = 1; i <= replicas; i++)); do
        if [[ $ended == "${cp_pid[i]}" ]]; then
            restart "replica-$i" "$(replica_name "$i")" "$status" start_replica "$i"
            say "$(replica_name "$i") restarted (pid ${cp_pid[i]})"
        fi
    done
    if [[ $ended == "$sim_pid" ]]; then
        restart sim simulator "$status" start_sim
        say "simulator restarted (pid $sim_pid)"
    elif [[ -n $haproxy_pid && $ended == "$haproxy_pid" ]]; then
        restart haproxy haproxy "$status" start_haproxy
        say "haproxy restarted (pid $haproxy_pid)"
    fi
done
