#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The image the e2e tier and bench:node deploy: the operators' Bots 4 tree
# (../shared/upstream/bots, or BOTS_E2E_BOTS_SOURCE) with the plugin demo/my_first_plugin of
# ../shared/upstream/bots-plugins baked in (BOTS_E2E_PLUGIN_DIR: another plugin folder, as the file
# exchange's e2e and the throughput bench use), built with `npm run image:build` (the image tier's
# build, so its layer cache makes this quick) and tagged TAG (default bots-node-test:e2e).
# BOTS_E2E_PLUGIN=none builds the same Bots without a plugin (the image a migrated installation
# starts on: its configuration is in its database already). Prints the local image reference on
# the last line.
#   bash test/e2e/image.sh [TAG]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
tag="${1:-bots-node-test:e2e}"
shared="$(cd "$ROOT/.." && pwd)/shared/upstream"
bots_source="${BOTS_E2E_BOTS_SOURCE:-$shared/bots}"
plugin="${BOTS_E2E_PLUGIN_DIR:-$shared/bots-plugins/demo/my_first_plugin}"
plugin_args=(--plugin "$plugin")
if [ "${BOTS_E2E_PLUGIN:-}" = none ]; then
  plugin_args=()
  plugin="$bots_source"
fi
for d in "$bots_source" "$plugin"; do
  [ -d "$d" ] || { echo "[e2e] $d is missing: the e2e tier deploys the operators' Bots 4 tree and a plugin from ../shared/upstream" >&2; exit 1; }
done
# shellcheck source=../../hack/docker/buildkit.sh
. hack/docker/buildkit.sh
use_local_base
echo "[e2e] building $tag with npm run image:build (base $LOCAL_BASE_IMAGE)" >&2
bash scripts/image-build.sh --tag "$tag" --base-image "$BOTS_BASE_IMAGE" --bots-source "$bots_source" "${plugin_args[@]}" | tail -n 1
