#!/usr/bin/env bash
# Installs the native tools that dev mode and the tests need (Redis, PostgreSQL, HAProxy, which
# balances over several control-plane replicas, openssl, which makes the dev CA, jq and curl, which the
# README's examples use, and node and npm, which run the OpenAPI tools)
# when they are missing, so CI and new machines can start bare; then the OpenAPI tools themselves
# (scripts/openapi-tools.sh).
# Idempotent and quick: when everything is present it prints one line and exits 0.
# dotnet is only checked, never installed (its version comes from global.json).
set -euo pipefail

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
# Debian keeps initdb/pg_ctl off PATH, in /usr/lib/postgresql/<version>/bin.
if ! command -v initdb >/dev/null && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    missing+=(postgresql)
fi
command -v psql >/dev/null || missing+=(postgresql-client)
command -v haproxy >/dev/null || missing+=(haproxy)
# Makes `make run`'s CA for mutual TLS with the hosts.
command -v openssl >/dev/null || missing+=(openssl)
# The README's examples read and build their JSON (a CSR inside) with it, and call the API with curl
# (the walk-through test runs them as written).
command -v jq >/dev/null || missing+=(jq)
command -v curl >/dev/null || missing+=(curl)
# The OpenAPI tests lint the document and compile a TypeScript client made from it (tools/openapi).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

status=0
if ! command -v dotnet >/dev/null; then
    # Not installed here on purpose: see https://dot.net and the SDK pinned in global.json.
    echo "install-deps: dotnet SDK not found on PATH; install the .NET SDK named in global.json" >&2
    status=1
fi

if ((${#missing[@]})); then
    install=(apt-get install -y --no-install-recommends "${missing[@]}")
    if ((EUID != 0)); then
        echo "install-deps: missing ${missing[*]}; run:" >&2
        echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive ${install[*]}" >&2
        exit 1
    fi
    echo "install-deps: installing ${missing[*]}" >&2
    apt-get update
    DEBIAN_FRONTEND=noninteractive "${install[@]}"
fi

((status == 0)) && echo "install-deps: redis, postgres, haproxy, openssl, jq, curl, node, npm and dotnet present" >&2
"$(dirname "$0")/openapi-tools.sh"
exit "$status"
