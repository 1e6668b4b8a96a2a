#!/usr/bin/env bash
# Prints the HAProxy configuration that `make run` puts in front of several control-plane replicas:
#
#   scripts/haproxy-config.sh LISTEN_PORT REPLICA_PORT...     (replica i is named replica-i)
#
# Round robin over the replicas, each checked with GET /healthz every second (out after 2 failures,
# back after 1 success). A replica that dies costs no request that can be replayed: a connection it
# refuses is retried on another replica (always safe, nothing was sent), and a request it dropped
# unanswered is retried too, but only when replaying it cannot do anything twice: GET, HEAD, OPTIONS,
# or a request carrying an Idempotency-Key (the API stores the key with the change it answers, and answers
# a repeat as it answered the first: docs/contract.md, "Retries and idempotency").
set -euo pipefail

(($# >= 2)) || { echo "usage: $0 LISTEN_PORT REPLICA_PORT..." >&2; exit 2; }
listen_port=$1
shift

cat <<EOF
global
    maxconn 4096
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    option forwardfor
    timeout connect 2s
    timeout check 2s
    timeout http-request 10s
    timeout http-keep-alive 10s
    timeout queue 10s
    # GET /v1/sandboxes/{id}/wait holds its answer for up to 55 s (timeout=55s); leave it room.
    timeout client 75s
    timeout server 75s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response

frontend api
    bind 127.0.0.1:$listen_port
    http-request disable-l7-retry unless METH_GET || METH_HEAD || METH_OPTIONS || { req.hdr(Idempotency-Key) -m found }
    default_backend replicas

backend replicas
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server check inter 1s fall 2 rise 1
EOF
i=1
for port in "$@"; do
    echo "    server replica-$i 127.0.0.1:$port"
    i=$((i + 1))
done
