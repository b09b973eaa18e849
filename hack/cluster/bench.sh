#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Benchmark of the local cluster's real node; prints timings, asserts nothing:
# cold and warm cluster:up, then `pulumi up` of a SQLite stack from empty to all
# pods Ready, a no-change `up`, a no-change `preview` and `preview --refresh`, and a
# config-change roll (test/bench/real-node.ts).
#   bash hack/cluster/bench.sh
# It wipes and restarts the local cluster (BENCH_CLUSTER=0 skips that part and
# uses the running one) and leaves it running. The image is BOTS_E2E_IMAGE
# (default bots-node-test:e2e), built as the e2e tier builds it when missing (test/e2e/image.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=../tools/env.sh
. hack/tools/env.sh

bash hack/tools/build-all.sh
bash scripts/bootstrap.sh
export BOTS_E2E_IMAGE="${BOTS_E2E_IMAGE:-bots-node-test:e2e}"
if ! docker image inspect "$BOTS_E2E_IMAGE" >/dev/null 2>&1; then
  BOTS_E2E_IMAGE="$(bash test/e2e/image.sh "$BOTS_E2E_IMAGE" | tail -n 1)"
fi
if [ "${BENCH_CLUSTER:-1}" = 0 ]; then
  BOTS_NODE=real BOTS_NO_BUILD=1 bash hack/cluster/up.sh
fi
exec npx ts-node --transpile-only test/bench/real-node.ts
