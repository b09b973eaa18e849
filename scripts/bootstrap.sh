#!/usr/bin/env bash
# Installs the Node.js dependencies from package-lock.json when they are missing or stale.
# Everything heavier (Docker, the Pulumi CLI, the local cluster) is installed by the script that needs it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "bootstrap: Node.js 20+ and npm are required (apt-get install nodejs npm, or your usual installer)" >&2
    exit 1
fi
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
    # The @pulumi/* install scripts only download plugins; plugins come from hack/tools instead.
    npm ci --no-audit --no-fund --ignore-scripts
fi
