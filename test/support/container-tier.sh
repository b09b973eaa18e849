#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# What the container tiers' run.sh (test/image, test/arm64) share, sourced after `set -euo pipefail`:
#   . test/support/container-tier.sh
# Changes to the work tree, puts Node.js 24 first on PATH and installs the npm packages
# (hack/tools/node.sh, scripts/bootstrap.sh), and notes the start time. Then:
#   tier_mocha_env TIER   right before mocha: TEST_TIER, ts-node on test/image/tsconfig.json in
#                         transpile-only mode (the specs of both tiers use test/image/support.ts),
#                         TEST_COUNTS_FILE for the counting reporter when set (TEST_FAILURES_FILE
#                         passes through the environment as exported). Not earlier: the
#                         image builds of the setup run ts-node on the program's own tsconfig.
#   tier_elapsed          seconds since this file was sourced.

TIER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$TIER_ROOT"
TIER_START=$(date +%s)
# shellcheck source=../../hack/tools/node.sh
source hack/tools/node.sh
bots_node_ensure
bash scripts/bootstrap.sh

tier_mocha_env() {
    export TEST_TIER="$1"
    export TS_NODE_PROJECT="${TIER_ROOT}/test/image/tsconfig.json"
    export TS_NODE_TRANSPILE_ONLY=true
    [[ -n "${TEST_COUNTS_FILE:-}" ]] && export TEST_COUNTS_FILE
    return 0
}

tier_elapsed() {
    echo "$(( $(date +%s) - TIER_START ))"
}
