#!/usr/bin/env bash
# `make test`: builds once, then runs the test suite as two test processes side by side, each with a Redis and a
# Postgres of its own: the fixtures in the Processes category (tests/Lifecycle.Tests/Harness/TestLanes.cs) in one
# lane, everything else in the other. Most of a fixture's time is spent waiting on something real (a restarted
# server, a takeover, an outage's end), so the two lanes together take little longer than the longer of them.
# Each line is prefixed with its lane; each lane ends with its own `dotnet test` summary (.ci/run sums them).
# Arguments go to both `dotnet test` runs (a --filter is added to each lane's own).
# Exits non-zero when either lane fails.
set -uo pipefail
cd "$(dirname "$0")/.."

dotnet build Lifecycle.sln || exit 1

# The two processes draw free ports from the same range: a port is claimed with a file here first (LocalServers.Reserve).
claims=$(mktemp -d -t lifecycle-test-ports.XXXXXX)
trap 'rm -rf "$claims"' EXIT
export LIFECYCLE_TEST_PORT_CLAIMS=$claims

lane() {
    local name=$1 filter=$2
    shift 2
    dotnet test tests/Lifecycle.Tests --no-build --filter "$filter" "$@" 2>&1 | sed -u "s/^/[$name] /"
    return "${PIPESTATUS[0]}"
}

lane processes "TestCategory=Processes" "$@" &
processes=$!
lane others "TestCategory!=Processes" "$@" &
others=$!

status=0
wait "$processes" || status=1
wait "$others" || status=1
exit "$status"
