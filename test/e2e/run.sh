#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# End-to-end tier (npm run test:e2e): the real Pulumi CLI and provider plugins
# deploy the dev stack to the local cluster's real node and check that Bots runs.
#   1. builds the tools if needed (hack/tools/build-all.sh; cached outside
#      the work tree, so a warm machine builds nothing);
#   2. starts the local cluster with its real node if it is not running
#      (hack/cluster/up.sh) and stops it again afterwards if this script
#      started it (keep it with BOTS_KEEP_CLUSTER=1);
#   3. builds the image (test/e2e/image.sh: the operators' Bots 4 tree with a plugin of
#      theirs, through `npm run image:build`; tag $BOTS_E2E_IMAGE, default
#      bots-node-test:e2e), unless BOTS_E2E_IMAGE names an image that exists already;
#   4. runs test/e2e/*.spec.ts with mocha (Automation API, file:// backend in a
#      temp dir), counting into $TEST_COUNTS_FILE as tier "e2e".
# Needs: Docker engine (hack/docker/setup-engine.sh) with the base image
# (hack/docker/build-base-image.sh); installs the node's Debian packages and
# postgresql and mariadb-server when missing (hack/cluster/node-packages.sh).
# E2E_VERBOSE=1 streams Pulumi's output; E2E_KEEP=1 keeps the namespace and state.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=../../hack/tools/env.sh
. hack/tools/env.sh
bots_node_ensure

start=$(date +%s)
# The real node's Debian packages, and PostgreSQL and MariaDB for the tier's database servers.
bash hack/cluster/node-packages.sh postgresql mariadb-server
bash hack/tools/build-all.sh
started_cluster=0
if ! curl -sf --max-time 3 --cacert "$BOTS_CLUSTER_DIR/pki/ca.crt" \
    "https://127.0.0.1:${BOTS_APISERVER_PORT:-16443}/readyz" >/dev/null 2>&1; then
  started_cluster=1
fi
BOTS_NODE=real BOTS_NO_BUILD=1 bash hack/cluster/up.sh
if [ "$started_cluster" = 1 ] && [ "${BOTS_KEEP_CLUSTER:-}" != 1 ]; then
  trap 'bash hack/cluster/down.sh || true' EXIT
fi
echo "[e2e] tools and cluster ready after $(( $(date +%s) - start ))s"

if [ -z "${BOTS_E2E_IMAGE:-}" ] || ! docker image inspect "$BOTS_E2E_IMAGE" >/dev/null 2>&1; then
  BOTS_E2E_IMAGE="$(bash test/e2e/image.sh "${BOTS_E2E_IMAGE:-bots-node-test:e2e}" | tail -n 1)"
  echo "[e2e] image ready after $(( $(date +%s) - start ))s"
fi
export BOTS_E2E_IMAGE

bash scripts/bootstrap.sh

export TEST_TIER=e2e
export TEST_COUNTS_FILE="${TEST_COUNTS_FILE:-}"
set +e
npx mocha --config test/e2e/.mocharc.json "$@"
rc=$?
set -e
echo "[e2e] finished in $(( $(date +%s) - start ))s (mocha exit $rc)"
exit $rc
