#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Installs the program's Node.js dependencies from package-lock.json when they are missing or
# stale, with the Node.js (>= 24) and npm found on PATH. Operators install Node.js themselves;
# this repository's own scripts put theirs first on PATH (hack/tools/node.sh) before calling this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/preflight.sh node
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
    # The @pulumi/* install scripts only pre-fetch provider plugins; `pulumi preview` installs
    # the ones a stack needs on first use, at the versions the program asks for.
    npm ci --no-audit --no-fund --ignore-scripts
fi
