#!/usr/bin/env bash
# npm run docs:operations: runs the operator procedures against the local cluster's real node
# (hack/docs/operations.sh; BOTS_OPS_IMAGE and BOTS_KEEP_CLUSTER as there), then fills the
# captured excerpts of docs/operations.md from that run (hack/docs/operations-capture.ts).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
log="$(mktemp "${TMPDIR:-/tmp}/bots-ops-capture.XXXXXX")"
trap 'rm -f "$log"' EXIT
bash hack/docs/operations.sh | tee "$log"
bash hack/tools/node.sh npx ts-node hack/docs/operations-capture.ts "$log"
