#!/usr/bin/env bash
# Installs the npm tools of tools/openapi (Redocly's linter, openapi-typescript, openapi-fetch, TypeScript) at the
# versions package-lock.json pins, with `npm ci`, for the OpenAPI tests. Needs node and npm (install-deps.sh
# installs them). Idempotent and quick: when the installed tools match the lock file it prints one line and exits 0.
set -euo pipefail

tools="$(cd "$(dirname "$0")/../tools/openapi" && pwd)"
stamp="$tools/node_modules/.installed-lock-sha256"
want=$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$tools/node_modules/.bin/redocly" ]]; then
    echo "openapi-tools: present ($tools/node_modules)" >&2
    exit 0
fi

echo "openapi-tools: npm ci in $tools" >&2
# No install scripts: none of these tools needs one (the one dependency that has one only prints a banner).
(cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "$want" >"$stamp"
