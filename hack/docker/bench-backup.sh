#!/usr/bin/env bash
# Backup bench: `npm run bench:backup`. Prints numbers, asserts nothing. In the Bots 4 image (the
# image tier's, built if missing) on SQLite and on PostgreSQL (test/support/pg-server.sh): an
# environment of BOTS_BENCH_FILES (default 10000) X12 850 files translated by the engine, then
# `backup run` (time, size) and `backup restore latest` (time), to a directory (the claim target).
# Env: BOTS_TEST_BASE_IMAGE (default: the local debootstrap base, built if missing),
#      BOTS_BENCH_ENGINES (default "sqlite postgresql").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
cd "$root"

bash hack/docker/setup-engine.sh >/dev/null
# shellcheck source=hack/docker/buildkit.sh
source hack/docker/buildkit.sh
use_local_base
# PostgreSQL's server binaries for the second run (one line: what pg-server.sh needs).
if [[ " ${BOTS_BENCH_ENGINES:-sqlite postgresql} " == *" postgresql "* ]] && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
fi
export BOTS_BASE_IMAGE TS_NODE_PROJECT=test/image/tsconfig.json TS_NODE_TRANSPILE_ONLY=true
exec bash hack/tools/node.sh ts-node test/bench/backup.ts
