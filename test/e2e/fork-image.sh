#!/usr/bin/env bash
# The operators' current image, built as they build it: ../shared/upstream/fork/Dockerfile, unchanged,
# from a context laid out like their repository (fork/ at the root, bots/, bots-plugins/ and an empty
# bots-grammars/). Its FROM python:3.11-slim cannot be pulled here, so a local stand-in of that name
# is made first from the debootstrap base (Debian 12's Python 3.11; the upstream README, "fork/").
# Prints the local image reference on the last line.
#   bash test/e2e/fork-image.sh [TAG]        (default bots-fork:e2e)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tag="${1:-bots-fork:e2e}"
base="${BOTS_TEST_BASE_IMAGE:-bots-local/debian:bookworm-slim-amd64}"
upstream="$(cd "$ROOT/.." && pwd)/shared/upstream"
[ -f "$upstream/fork/Dockerfile" ] || { echo "[fork] $upstream/fork is missing" >&2; exit 1; }
docker image inspect "$base" >/dev/null 2>&1 || { echo "[fork] base image $base is missing (hack/docker/build-base-image.sh)" >&2; exit 1; }

python_tag="python:3.11-slim"
if ! docker image inspect "$python_tag" >/dev/null 2>&1 || [ "$(docker image inspect -f '{{index .Config.Labels "bots-edi.stand-in-of"}}' "$python_tag")" != "python:3.11-slim" ]; then
  echo "[fork] making the local stand-in for $python_tag from $base" >&2
  DOCKER_BUILDKIT=0 docker build --network host -q -t "$python_tag" - >&2 <<DOCKERFILE
FROM $base
LABEL bots-edi.stand-in-of="python:3.11-slim"
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip python3-dev python3-venv \
 && rm -rf /var/lib/apt/lists/* /usr/lib/python3.11/EXTERNALLY-MANAGED \
 && ln -s /usr/bin/python3 /usr/local/bin/python && ln -s /usr/bin/pip3 /usr/local/bin/pip
DOCKERFILE
fi

ctx="$(mktemp -d /var/tmp/bots-fork-ctx.XXXXXX)"
trap 'rm -rf "$ctx"' EXIT
cp -a "$upstream/fork/." "$ctx/"
cp -a "$upstream/bots" "$ctx/bots"
cp -a "$upstream/bots-plugins" "$ctx/bots-plugins"
mkdir -p "$ctx/bots-grammars"
chmod -R u+w "$ctx"
start=$(date +%s)
# Legacy builder: its FROM takes the local stand-in without a registry lookup.
DOCKER_BUILDKIT=0 docker build --network host -q -t "$tag" "$ctx" >&2
echo "[fork] built $tag from the fork's Dockerfile in $(( $(date +%s) - start ))s" >&2
echo "$tag"
