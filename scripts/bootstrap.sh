#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Installs Node.js 24 (hack/tools/node.sh: from the npm registry into the tools cache, once) and
# the Node.js dependencies from package-lock.json when they are missing or stale.
# Everything heavier (Docker, the Pulumi CLI, the local cluster) is installed by the script that needs it.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=../hack/tools/node.sh
. hack/tools/node.sh
bots_node_ensure
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
    # The @pulumi/* install scripts only download plugins; plugins come from hack/tools instead.
    npm ci --no-audit --no-fund --ignore-scripts
fi
