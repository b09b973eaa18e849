#!/usr/bin/env bash
# Image bench: `npm run bench:image`. Prints numbers, asserts nothing.
#   - image size per platform (first line `size: N MB` is linux/amd64) next to the base image size
#   - cold build time (no layer cache; base image present)
#   - warm rebuild after an entrypoint-only change
#   - warm rebuild after a Python-dependency change (requirements.txt)
# Changes are made in a temporary copy of docker/, never in the work tree.
# Env: BOTS_TEST_BASE_IMAGE (default: the local debootstrap base, built if missing).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
cd "$root"

bash hack/docker/setup-engine.sh >/dev/null
arch="$(dpkg --print-architecture)"
base="${BOTS_TEST_BASE_IMAGE:-bots-local/debian:bookworm-slim-${arch}}"
if ! docker image inspect "$base" >/dev/null 2>&1; then
    BOTS_BASE_IMAGE_TAG="$base" bash hack/docker/build-base-image.sh "$arch" >/dev/null
fi
tag="bots-edi:bench"
ctx="$(mktemp -d /var/tmp/bots-bench-ctx.XXXXXX)"
trap 'rm -rf "$ctx"' EXIT
cp -a docker/. "$ctx/"

export DOCKER_BUILDKIT=0
build() {
    local t0 t1
    t0=$(date +%s.%N)
    docker build --network host --build-arg "BASE_IMAGE=${base}" -t "$tag" "$@" "$ctx" >"${ctx}.log" 2>&1 || {
        tail -30 "${ctx}.log" >&2
        exit 1
    }
    t1=$(date +%s.%N)
    rm -f "${ctx}.log"
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}
mb() { awk -v s="$(docker image inspect -f '{{.Size}}' "$1")" 'BEGIN { printf "%.0f", s / 1000000 }'; }

cold=$(build --no-cache)
echo "# bots-edi image bench ($(date -u +%FT%TZ), $(nproc) cores)"
echo "platform: linux/${arch}"
echo "size: $(mb "$tag") MB"
echo "base size: $(mb "$base") MB (${base})"
echo "layers: $(docker history -q "$tag" | wc -l)"

# arm64: only if hack/docker/multiarch-build.sh left a per-platform image behind.
if docker image inspect bots-edi:multiarch-arm64 >/dev/null 2>&1; then
    echo "platform: linux/arm64"
    echo "size: $(mb bots-edi:multiarch-arm64) MB"
    if docker image inspect bots-local/debian:bookworm-slim-arm64 >/dev/null 2>&1; then
        echo "base size: $(mb bots-local/debian:bookworm-slim-arm64) MB (bots-local/debian:bookworm-slim-arm64)"
    fi
else
    echo "platform: linux/arm64: not measured (run hack/docker/multiarch-build.sh first)"
fi

echo "cold build: ${cold} s"
printf '\n# bench %s\n' "$(date +%s)" >>"${ctx}/entrypoint.sh"
echo "warm rebuild, entrypoint change: $(build) s"
printf '# bench dependency change %s\n' "$(date +%s)" >>"${ctx}/requirements/requirements.txt"
echo "warm rebuild, python dependency change: $(build) s"
echo "no-change rebuild: $(build) s"
