#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Throughput of the deployed system; prints numbers, asserts nothing (test/bench/throughput.ts):
# 1,000 X12 850 orders through one engine Job of a stack on the local cluster's real node
# (PostgreSQL on the node link) against the same Bots and plugin in a plain virtualenv, and the
# dirmonitor's file-dropped -> output-written latency over 100 files.
#   npm run bench:throughput      (BENCH_ORDERS, BENCH_LATENCY_FILES: other counts; BENCH_KEEP=1
#                                  keeps the namespace throughput-bots and the database server)
# Needs the cluster's real node up (BOTS_NODE=real npm run cluster:up). The image is
# BOTS_THROUGHPUT_IMAGE (default throughput-bots:x12), built by test/e2e/image.sh with the plugin
# x12/x12_to_xml_850-856-810-997 when missing; the venv is test/bench/throughput-venv.sh's.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=../../hack/tools/env.sh
. hack/tools/env.sh

bash hack/tools/build-all.sh
bash scripts/bootstrap.sh
upstream="$(cd "$ROOT/.." && pwd)/shared/upstream"
export BOTS_THROUGHPUT_IMAGE="${BOTS_THROUGHPUT_IMAGE:-throughput-bots:x12}"
if ! docker image inspect "$BOTS_THROUGHPUT_IMAGE" >/dev/null 2>&1; then
  BOTS_THROUGHPUT_IMAGE="$(BOTS_E2E_PLUGIN_DIR="$upstream/bots-plugins/x12/x12_to_xml_850-856-810-997" \
    bash test/e2e/image.sh "$BOTS_THROUGHPUT_IMAGE" | tail -n 1)"
fi
BOTS_THROUGHPUT_VENV="$(bash test/bench/throughput-venv.sh "$upstream/bots" | tail -n 1)"
export BOTS_THROUGHPUT_VENV
exec npx ts-node --transpile-only test/bench/throughput.ts
