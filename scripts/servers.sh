#!/usr/bin/env bash
# Throwaway Redis + PostgreSQL for dev mode (`make run`) and the test fixture.
#
#   scripts/servers.sh start DIR REDIS_PORT PG_PORT
#   scripts/servers.sh stop  DIR [redis|postgres|cluster]    (all by default)
#   scripts/servers.sh crash DIR [redis|postgres|cluster]    (all by default)
#
# A Redis Cluster instead of the single Redis (scripts/redis-cluster.sh has the details):
#   scripts/servers.sh cluster-start  DIR FIRST_PORT [PG_PORT]   six nodes on FIRST_PORT..FIRST_PORT+5
#   scripts/servers.sh cluster-wait   DIR [SECONDS]     until every slot is served by a live master (60)
#   scripts/servers.sh cluster-kill   DIR PORT          SIGKILL of one node
#   scripts/servers.sh cluster-revive DIR PORT          starts a stopped node again; it rejoins
#   scripts/servers.sh postgres-start DIR PG_PORT       Postgres alone (beside a cluster kept elsewhere)
# `cluster-start` prints redis=127.0.0.1:P1,…,127.0.0.1:P6 (and postgres=… with PG_PORT) and returns
# once the cluster is healthy; re-run on the same DIR, it reuses the nodes and starts any that are down.
#
# Everything lives under DIR (redis/, postgres/), so several instances can run at
# once on different dirs and ports. `start` prints, on stdout only:
#   redis=127.0.0.1:REDIS_PORT
#   postgres=Host=127.0.0.1;Port=PG_PORT;Username=lifecycle;Database=lifecycle
# All progress goes to stderr.
#
# `crash` stops without a clean shutdown, as a crash would: Postgres with `pg_ctl stop -m immediate`
# (no checkpoint; the next start replays the WAL), Redis with SIGKILL. While running, DIR/redis.pid
# and DIR/postgres.pid each hold one server's pid (one line), for tools that signal them.
#
# Re-running `start`: servers already running from the same DIR on the same ports
# are reused; a port taken by anything else is a clear error (never a silent
# connection to somebody else's server). Data survives stop/start: Postgres's, and
# Redis's through its append-only file. `stop` never fails when things are already down.
# Stopping one server and starting again brings back just that one (tests of outages).
#
# Dev/test only: Postgres uses --auth=trust (no password), and both servers listen on 127.0.0.1 only.
#
# Durability: Postgres keeps its production defaults (fsync, synchronous_commit, full_page_writes on),
# so nothing a commit acknowledged is lost, whatever stops. LIFECYCLE_PG_FAST=1 (the tests use it)
# turns off fsync and full_page_writes but keeps synchronous_commit on: every commit still writes its
# WAL to the kernel before it returns, so a Postgres crash or an immediate stop loses nothing
# committed. Only an OS crash or power loss can lose commits then, or corrupt the data directory.
set -euo pipefail

log() { echo "servers: $*" >&2; }
die() { log "error: $*"; exit 1; }
usage() {
    die "usage: $0 start DIR REDIS_PORT PG_PORT | stop|crash DIR [redis|postgres|cluster]" \
        "| cluster-start DIR FIRST_PORT [PG_PORT] | cluster-wait DIR [SECONDS] | cluster-kill|cluster-revive DIR PORT" \
        "| postgres-start DIR PG_PORT"
}

# PATH first, then the newest /usr/lib/postgresql/<version>/bin (Debian keeps pg_ctl off PATH).
pg_bin_dir() {
    if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
        return
    fi
    local d
    d=$(find /usr/lib/postgresql -path '*/bin/pg_ctl' 2>/dev/null | sort -V | tail -n1)
    [[ -n $d ]] || die "postgres not found; run scripts/install-deps.sh"
    dirname "$d"
}

# Postgres refuses to run as root, so as root it runs as the unprivileged `postgres`
# user. The cd keeps it out of a cwd it may not be allowed to read (e.g. /root).
as_pg() {
    if ((EUID == 0)); then
        (cd "$PG_ROOT" && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

tail_log() { log "last lines of $1:"; tail -n 20 "$1" >&2 2>/dev/null || true; }

# A pidfile's process, if it is alive and really is what we expect (pids get reused).
live_pid() {
    local pid
    pid=$(head -n1 "$1" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2"* ]] && echo "$pid"
}

# Bounded: a port held by something that accepts but never answers must not hang us.
redis_up() { [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]]; }
pg_up() { "$PG_BIN/pg_isready" -q -t 2 -h 127.0.0.1 -p "$1"; }

set_paths() {
    mkdir -p "$1"
    DIR=$(cd "$1" && pwd)
    REDIS_DIR=$DIR/redis
    PG_ROOT=$DIR/postgres
    PG_DATA=$PG_ROOT/data
    PG_LOG=$PG_ROOT/postgres.log
}

start_redis() {
    local port=$1 pidfile=$REDIS_DIR/redis.pid
    mkdir -p "$REDIS_DIR"
    if live_pid "$pidfile" redis-server >/dev/null; then
        redis_up "$port" || die "redis from $DIR is running, but not on port $port; run '$0 stop $DIR' first"
        log "redis already running on $port (reused)"
        return
    fi
    redis_up "$port" && die "port $port already has a redis that is not ours ($DIR)"
    : >"$REDIS_DIR/redis.log" # fresh log, so the failure check below only sees this run
    # The events stream must survive a Redis restart, as in production: append-only file, fsync
    # once a second (a clean shutdown loses nothing). No RDB snapshots.
    redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly yes --appendfsync everysec \
        --dir "$REDIS_DIR" --logfile "$REDIS_DIR/redis.log" --pidfile "$pidfile" --daemonize yes
}

# As root, postgres runs as user `postgres`, which needs to exist and to be able to
# traverse every parent of DIR (e.g. a 0700 home directory would block it).
check_pg_user() {
    ((EUID == 0)) || return 0
    id postgres >/dev/null 2>&1 || useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
    # DIR itself is ours to open up (e.g. .NET creates temp dirs 0700); its parents are not.
    chmod o+x "$DIR"
    runuser -u postgres -- test -x "$DIR" && return
    local p="" part parts
    IFS=/ read -ra parts <<<"${DIR#/}"
    for part in "${parts[@]}"; do
        p+=/$part
        runuser -u postgres -- test -x "$p" ||
            die "user 'postgres' cannot enter $p (needed for $DIR); chmod o+x $p or use another DIR"
    done
}

start_postgres() {
    local port=$1
    mkdir -p "$PG_ROOT"
    ((EUID == 0)) && chown -R postgres: "$PG_ROOT"

    if [[ ! -f $PG_DATA/PG_VERSION ]]; then
        log "initialising postgres in $PG_DATA"
        as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U lifecycle --auth=trust -E UTF8 --locale=C --no-sync >"$PG_ROOT/initdb.log" 2>&1 ||
            { tail_log "$PG_ROOT/initdb.log"; die "initdb failed"; }
        # Per-run settings live in an included file rewritten on each start (the port may change).
        echo "include_if_exists = 'lifecycle.conf'" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
    fi

    if as_pg "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1; then
        pg_up "$port" || die "postgres from $DIR is running, but not on port $port; run '$0 stop $DIR' first"
        log "postgres already running on $port (reused)"
        return
    fi
    pg_up "$port" && die "port $port already has a postgres that is not ours ($DIR)"

    # The unix socket path is limited to ~107 bytes; with a very deep DIR, use TCP only.
    local sock=$PG_ROOT
    ((${#sock} + 20 < 107)) || { log "DIR too deep for a unix socket; TCP only"; sock=""; }
    as_pg tee "$PG_DATA/lifecycle.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '${sock//\'/\'\'}'
max_connections = 200
$(durability_settings)
EOF
    # -w: pg_ctl notices at once if the postmaster dies (e.g. port taken) instead of waiting out the deadline.
    as_pg "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t 30 >/dev/null ||
        { tail_log "$PG_LOG"; die "postgres did not start on port $port"; }
}

# Production defaults unless LIFECYCLE_PG_FAST=1 (see the top of this file for what that risks).
# synchronous_commit stays on either way: with it off, an immediate stop loses the last commits.
durability_settings() {
    if [[ ${LIFECYCLE_PG_FAST:-0} == 1 ]]; then
        printf '%s\n' "# fast: no fsync (an OS crash can lose or corrupt data; a Postgres crash cannot)" \
            "fsync = off" "full_page_writes = off" "synchronous_commit = on"
    else
        echo "# durable: production defaults (fsync, synchronous_commit, full_page_writes on)"
    fi
}

# Each must answer within ~30 s; on failure show why.
wait_redis() {
    local port=$1 deadline=$((SECONDS + 30))
    until redis_up "$port"; do
        if ((SECONDS >= deadline)) || grep -qiE 'aborting|exiting|fatal' "$REDIS_DIR/redis.log"; then
            tail_log "$REDIS_DIR/redis.log"
            die "redis did not start on port $port"
        fi
        sleep 0.1
    done
}

wait_postgres() {
    local port=$1 deadline=$((SECONDS + 30))
    until pg_up "$port"; do
        ((SECONDS < deadline)) || { tail_log "$PG_LOG"; die "postgres not ready on port $port"; }
        sleep 0.1
    done
}

create_database() {
    local psql=("$PG_BIN/psql" -h 127.0.0.1 -p "$1" -U lifecycle -X -q -v ON_ERROR_STOP=1)
    if [[ -z $("${psql[@]}" -d postgres -tAc "select 1 from pg_database where datname = 'lifecycle'") ]]; then
        "${psql[@]}" -d postgres -c 'create database lifecycle owner lifecycle'
        log "created database lifecycle"
    fi
}

postgres_connection_string() { echo "Host=127.0.0.1;Port=$1;Username=lifecycle;Database=lifecycle"; }

cmd_start() {
    (($# == 3)) || usage
    local redis_port=$2 pg_port=$3
    [[ $redis_port =~ ^[0-9]+$ && $pg_port =~ ^[0-9]+$ ]] || usage
    command -v redis-server >/dev/null || die "redis-server not found; run scripts/install-deps.sh"
    PG_BIN=$(pg_bin_dir)
    set_paths "$1"

    check_pg_user
    start_redis "$redis_port"
    start_postgres "$pg_port"
    wait_redis "$redis_port"
    wait_postgres "$pg_port"
    write_redis_pid_file
    write_postgres_pid_file

    create_database "$pg_port"
    log "redis on 127.0.0.1:$redis_port, postgres on 127.0.0.1:$pg_port ($DIR)"
    echo "redis=127.0.0.1:$redis_port"
    echo "postgres=$(postgres_connection_string "$pg_port")"
}

# Postgres without the single Redis, beside a Redis Cluster.
start_postgres_alone() {
    PG_BIN=$(pg_bin_dir)
    check_pg_user
    start_postgres "$1"
    wait_postgres "$1"
    write_postgres_pid_file
    create_database "$1"
}

# Starts Postgres (again) on its data, alone; prints its connection string as `start` does.
cmd_postgres_start() {
    (($# == 2)) || usage
    [[ $2 =~ ^[0-9]+$ ]] || usage
    set_paths "$1"
    start_postgres_alone "$2"
    echo "postgres=$(postgres_connection_string "$2")"
}

# One line each, beside redis/ and postgres/: what `kill -9 $(cat DIR/redis.pid)` needs.
write_redis_pid_file() { head -n1 "$REDIS_DIR/redis.pid" >"$DIR/redis.pid"; }
write_postgres_pid_file() { head -n1 "$PG_DATA/postmaster.pid" >"$DIR/postgres.pid"; }

cmd_crash() {
    (($# == 1 || $# == 2)) || usage
    local which=${2:-both}
    [[ $which == both || $which == redis || $which == postgres || $which == cluster ]] || usage
    [[ -d $1 ]] || { log "nothing to crash in $1"; return 0; }
    set_paths "$1"
    [[ $which == both || $which == cluster ]] && stop_cluster crash
    [[ $which == cluster ]] && { log "crashed cluster in $DIR"; return 0; }

    if [[ $which != redis && -f $PG_DATA/postmaster.pid ]]; then
        PG_BIN=$(pg_bin_dir)
        as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate -w >/dev/null 2>&1 || true
        rm -f "$DIR/postgres.pid"
    fi
    local pid
    if [[ $which != postgres ]] && pid=$(live_pid "$REDIS_DIR/redis.pid" redis-server); then
        kill -9 "$pid" 2>/dev/null || true
        for _ in {1..100}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        rm -f "$REDIS_DIR/redis.pid" "$DIR/redis.pid"
    fi
    log "crashed $which in $DIR"
}

cmd_stop() {
    (($# == 1 || $# == 2)) || usage
    local which=${2:-both}
    [[ $which == both || $which == redis || $which == postgres || $which == cluster ]] || usage
    [[ -d $1 ]] || { log "nothing to stop in $1"; return 0; }
    set_paths "$1"
    [[ $which == both || $which == cluster ]] && stop_cluster stop
    [[ $which == cluster ]] && { log "stopped cluster in $DIR"; return 0; }

    if [[ $which != redis && -f $PG_DATA/postmaster.pid ]]; then
        PG_BIN=$(pg_bin_dir)
        # fast = roll back open sessions; immediate only if that hangs. Errors mean it was already down.
        as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 20 >/dev/null 2>&1 ||
            as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate -w >/dev/null 2>&1 || true
    fi

    local pid
    if [[ $which != postgres ]] && pid=$(live_pid "$REDIS_DIR/redis.pid" redis-server); then
        # SIGTERM is a clean shutdown: the append-only file is flushed.
        kill "$pid" 2>/dev/null || true
        for _ in {1..100}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    fi
    [[ $which == postgres ]] || rm -f "$REDIS_DIR/redis.pid" "$DIR/redis.pid"
    [[ $which == redis ]] || rm -f "$DIR/postgres.pid"
    log "stopped $which in $DIR"
}

# shellcheck source=scripts/redis-cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/redis-cluster.sh"

case ${1:-} in
    start) shift; cmd_start "$@" ;;
    cluster-start) shift; cmd_cluster_start "$@" ;;
    cluster-wait) shift; cmd_cluster_wait "$@" ;;
    cluster-kill) shift; cmd_cluster_kill "$@" ;;
    cluster-revive) shift; cmd_cluster_revive "$@" ;;
    postgres-start) shift; cmd_postgres_start "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    crash) shift; cmd_crash "$@" ;;
    *) usage ;;
esac
