# shellcheck shell=bash
# A local Redis Cluster of six nodes (three masters, three replicas) for scripts/servers.sh, which
# sources this file and provides log, die, tail_log, live_pid and redis_up.
#
# Each node lives in DIR/redis-cluster/PORT/ (redis.conf, nodes.conf, appendonlydir/, redis.log,
# redis.pid); DIR/redis-cluster/ports names the six ports the cluster was created on. The cluster
# bus of a node listens on PORT + 10000, so those ports must be free too.
#
# Failover is fast and never refused, because tests depend on both: cluster-node-timeout is 2000 ms
# (LIFECYCLE_REDIS_CLUSTER_NODE_TIMEOUT_MS overrides it), so a killed master is replaced within a few
# seconds; cluster-replica-validity-factor 0 lets a replica take over however stale it is, so writes
# its master acknowledged but never sent it are lost, as they are in production. A replica's full
# sync starts at once (repl-diskless-sync-delay 0, not 5 s): until it ends, the replica still holds
# whatever it had before, and a failover then would bring back that old data.

readonly CLUSTER_NODES=6
readonly CLUSTER_SLOTS=16384

cluster_paths() {
    CLUSTER_DIR=$DIR/redis-cluster
    CLUSTER_PORTS_FILE=$CLUSTER_DIR/ports
}

node_dir() { echo "$CLUSTER_DIR/$1"; }

node_pid() { live_pid "$(node_dir "$1")/redis.pid" redis-server; }

# Running and not stopped by SIGSTOP: able to answer. A frozen node must not be asked anything,
# since it would only answer once thawed. Builtins only: the health check calls this often.
node_serving() {
    local pid comm stat
    read -r pid 2>/dev/null <"$(node_dir "$1")/redis.pid" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    read -r comm 2>/dev/null <"/proc/$pid/comm" || return 1
    [[ $comm == redis-server* ]] || return 1
    read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != [TtZX] ]]
}

# The six ports of the cluster in DIR, from its ports file; none when it was never started.
cluster_ports() { cat "$CLUSTER_PORTS_FILE" 2>/dev/null || true; }

node_cli() { timeout 2 redis-cli -h 127.0.0.1 -p "$1" "${@:2}" 2>/dev/null; }

start_node() {
    local port=$1 dir
    dir=$(node_dir "$port")
    mkdir -p "$dir"
    # Rewritten on every start, so a changed node timeout applies; nodes.conf keeps the membership.
    cat >"$dir/redis.conf" <<EOF
bind 127.0.0.1
port $port
daemonize yes
dir "$dir"
pidfile "$dir/redis.pid"
logfile "$dir/redis.log"
save ""
appendonly yes
appendfsync everysec
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout ${LIFECYCLE_REDIS_CLUSTER_NODE_TIMEOUT_MS:-2000}
cluster-replica-validity-factor 0
repl-diskless-sync-delay 0
EOF
    : >"$dir/redis.log" # fresh log, so the failure check below only sees this run
    redis-server "$dir/redis.conf"
}

wait_node_up() {
    local port=$1 log deadline=$((SECONDS + 30))
    log=$(node_dir "$port")/redis.log
    until redis_up "$port"; do
        if ((SECONDS >= deadline)) || grep -qiE 'aborting|exiting|fatal' "$log"; then
            tail_log "$log"
            die "cluster node $port did not start"
        fi
        sleep 0.1
    done
}

# Starts whichever node is down; a port answered by anything that is not ours is an error.
ensure_node() {
    local port=$1
    if node_pid "$port" >/dev/null; then
        redis_up "$port" || die "cluster node $port from $DIR is running but does not answer; run '$0 stop $DIR cluster' first"
        return
    fi
    redis_up "$port" && die "port $port already has a redis that is not ours ($DIR)"
    start_node "$port"
}

# Masters that hold slots in one node's view, as lines "PORT RANGE RANGE…", sorted, from the answer
# of CLUSTER NODES (lines of other answers are ignored). A master flagged fail or fail? (suspected)
# counts as holding none: its slots are not served.
slot_owners() {
    awk 'NF > 8 && $3 ~ /master/ && $3 !~ /fail/ {
        split($2, address, "[:@]")
        line = address[2]
        for (i = 9; i <= NF; i++) if ($i !~ /^\[/) line = line " " $i
        print line
    }' | sort
}

# Replicas in one node's view: nodes flagged slave (not fail or fail?) that name their master.
live_replicas() { awk 'NF >= 8 && $3 ~ /slave/ && $3 !~ /fail/ && $4 != "-" { n++ } END { print n + 0 }'; }

# Healthy: every serving node says cluster_state:ok, every serving replica is in sync with its master
# (link up), all of them agree that every slot is held by a master that is serving, and each sees
# every serving node that holds no slots as a replica: right after `--cluster create` or a revive,
# gossip takes a moment to tell every node who replicates whom, and a test that asks one node for a
# master's replica must not ask too early. On failure, sets UNHEALTHY to the reason. One redis-cli
# per node: this runs several times a second.
cluster_healthy() {
    local port owner ranges range answer view first="" slots
    local -a serving=()
    local -A is_serving=()
    for port in $(cluster_ports); do
        if node_serving "$port"; then serving+=("$port") is_serving[$port]=1; fi
    done
    ((${#serving[@]})) || { UNHEALTHY="no node is running"; return 1; }
    for port in "${serving[@]}"; do
        answer=$(printf '%s\n' 'cluster info' 'info replication' 'cluster nodes' | node_cli "$port")
        answer=${answer//$'\r'/}
        [[ $answer == *cluster_state:ok* ]] || { UNHEALTHY="node $port: cluster_state is not ok"; return 1; }
        [[ $answer != *role:slave* || $answer == *master_link_status:up* ]] ||
            { UNHEALTHY="node $port: a replica not in sync with its master"; return 1; }
        view=$(slot_owners <<<"$answer")
        slots=0
        while read -r owner ranges; do
            [[ -n $owner ]] || continue
            [[ -n ${is_serving[$owner]:-} ]] || { UNHEALTHY="node $port: slots held by $owner, which is down"; return 1; }
            for range in $ranges; do
                slots=$((slots + ${range#*-} - ${range%-*} + 1))
            done
        done <<<"$view"
        ((slots == CLUSTER_SLOTS)) || { UNHEALTHY="node $port: only $slots slots have a live master"; return 1; }
        [[ -z $first || $view == "$first" ]] || { UNHEALTHY="nodes ${serving[0]} and $port disagree about the slots"; return 1; }
        first=$view
        (($(live_replicas <<<"$answer") == ${#serving[@]} - $(wc -l <<<"$view"))) ||
            { UNHEALTHY="node $port does not yet see every other serving node as a master or a replica"; return 1; }
    done
}

wait_cluster_healthy() {
    local seconds=$1 deadline=$((SECONDS + $1))
    UNHEALTHY=""
    until cluster_healthy; do
        ((SECONDS < deadline)) || die "the cluster in $DIR is not healthy after ${seconds}s: $UNHEALTHY"
        sleep 0.2
    done
}

cmd_cluster_start() {
    (($# == 2 || $# == 3)) || usage
    local first=$2 pg_port=${3:-} port ports=()
    [[ $first =~ ^[0-9]+$ && ($pg_port == "" || $pg_port =~ ^[0-9]+$) ]] || usage
    ((first + CLUSTER_NODES - 1 + 10000 <= 65535)) || die "FIRST_PORT too high: each node's bus port is its port + 10000"
    if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
        die "redis-server or redis-cli not found; run scripts/install-deps.sh"
    fi
    set_paths "$1"
    cluster_paths
    for ((port = first; port < first + CLUSTER_NODES; port++)); do ports+=("$port"); done

    mkdir -p "$CLUSTER_DIR"
    local created
    created=$(cluster_ports)
    [[ -z $created || $created == "${ports[*]}" ]] ||
        die "the cluster in $DIR was created on ports $created; run '$0 stop $DIR cluster' and remove $CLUSTER_DIR"
    for port in "${ports[@]}"; do ensure_node "$port"; done
    for port in "${ports[@]}"; do wait_node_up "$port"; done

    if [[ -z $created ]]; then
        log "creating a redis cluster on ${ports[*]}"
        local nodes=("${ports[@]/#/127.0.0.1:}")
        redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$CLUSTER_DIR/create.log" 2>&1 || {
            tail_log "$CLUSTER_DIR/create.log"
            die "redis-cli --cluster create failed; run '$0 stop $DIR cluster' and remove $CLUSTER_DIR"
        }
        echo "${ports[*]}" >"$CLUSTER_PORTS_FILE"
    else
        log "redis cluster on ${ports[*]} already created (reused)"
    fi
    wait_cluster_healthy 60

    if [[ -n $pg_port ]]; then start_postgres_alone "$pg_port"; fi
    log "redis cluster on 127.0.0.1:${ports[0]}..${ports[-1]} ($DIR)"
    local list
    list=$(printf '127.0.0.1:%s,' "${ports[@]}")
    echo "redis=${list%,}"
    if [[ -n $pg_port ]]; then echo "postgres=$(postgres_connection_string "$pg_port")"; fi
}

cmd_cluster_wait() {
    (($# == 1 || $# == 2)) || usage
    local seconds=${2:-60}
    [[ $seconds =~ ^[0-9]+$ ]] || usage
    set_paths "$1"
    cluster_paths
    [[ -n $(cluster_ports) ]] || die "no redis cluster in $DIR"
    wait_cluster_healthy "$seconds"
    log "redis cluster in $DIR is healthy"
}

cluster_node_arg() {
    if (($# != 2)) || [[ ! $2 =~ ^[0-9]+$ ]]; then usage; fi
    set_paths "$1"
    cluster_paths
    [[ " $(cluster_ports) " == *" $2 "* ]] || die "port $2 is not a node of the redis cluster in $DIR"
}

# SIGKILL of one node: a crash. Its replica (or, for a replica, nobody) takes over.
cmd_cluster_kill() {
    cluster_node_arg "$@"
    local pid
    if pid=$(node_pid "$2"); then
        kill -9 "$pid" 2>/dev/null || true
        for _ in {1..100}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    fi
    rm -f "$(node_dir "$2")/redis.pid"
    log "killed redis cluster node $2"
}

# Starts one stopped node again with its data; a former master whose slots were taken over rejoins
# as a replica of the node that took them.
cmd_cluster_revive() {
    cluster_node_arg "$@"
    ensure_node "$2"
    wait_node_up "$2"
    log "redis cluster node $2 running"
}

# Every node: SIGTERM (a clean shutdown) or, with "crash", SIGKILL. SIGCONT too, since a node frozen
# with SIGSTOP acts on SIGTERM only once it runs again.
stop_cluster() {
    local how=$1 port pid pids=()
    cluster_paths
    for port in $(cluster_ports); do
        pid=$(node_pid "$port") || continue
        pids+=("$pid")
        if [[ $how == crash ]]; then kill -9 "$pid" 2>/dev/null || true; else kill -TERM "$pid" 2>/dev/null || true; fi
        kill -CONT "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in {1..100}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    done
    for port in $(cluster_ports); do rm -f "$(node_dir "$port")/redis.pid"; done
}
