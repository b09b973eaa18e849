#!/usr/bin/env bash
# Build the Bots image with the same Dockerfile and arguments as the program's build mode, load it
# into the local Docker engine, print the local image reference alone on the last line.
#   npm run image:build -- [--bots-source DIR] [--plugin DIR ...] [--platform P] [--tag T]
# (scripts/image-build.ts has the options.) Needs node (npm ci for ts-node) and docker; without
# `docker buildx`, go and root (hack/docker/buildkit.sh builds buildx + buildkitd).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ ! -x node_modules/.bin/ts-node ]]; then
    npm ci --no-audit --no-fund >&2
fi
TS_NODE_TRANSPILE_ONLY=true exec node_modules/.bin/ts-node scripts/image-build.ts "$@"
