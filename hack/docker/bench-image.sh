#!/usr/bin/env bash
# Image bench: `npm run bench:image`. Prints numbers, asserts nothing. For both Bots lines:
#   - Bots 4 from a source tree (../shared/upstream/bots, or BOTS_BENCH_SOURCE) with the four
#     plugins of ../shared/upstream/bots-plugins (or BOTS_BENCH_PLUGINS: plugin dirs, space
#     separated): size (uncompressed, and compressed as gzip'd layers), cold build (--no-cache),
#     rebuild after an entrypoint-only change, rebuild after a plugin-only change, no-change rebuild
#   - Bots 3.3.1 from PyPI: size, cold build, rebuild after an entrypoint-only change
#   - both platforms of the multi-arch build (hack/docker/multiarch-build.sh: Bots 4 +
#     demo/my_first_plugin for linux/amd64 and linux/arm64): sizes, if it has run
# Builds go through scripts/image-build.sh (the same arguments as the program's build mode) with
# --load into the local engine, so each time includes exporting the image to Docker. Changes are
# made in temporary copies of docker/ and of one plugin, never in the work tree.
# `npm run bench:image -- --multiarch` instead runs the multi-arch build twice, cold (--no-cache)
# and warm, and prints each platform's build time and both platforms' sizes.
# Env: BOTS_TEST_BASE_IMAGE (default: the local debootstrap base, built if missing).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
cd "$root"

mb() { awk -v s="$(docker image inspect -f '{{.Size}}' "$1")" 'BEGIN { printf "%.0f", s / 1000000 }'; }
compressed_mb() { # sum of the gzip'd (level 6, what registries get) layers of docker save
    local dir total=0 n layer
    dir="$(mktemp -d /var/tmp/bots-bench-save.XXXXXX)"
    docker save "$1" | tar -x -C "$dir"
    while IFS= read -r layer; do
        n=$(gzip -6 -c "$layer" | wc -c)
        total=$((total + n))
    done < <(find "$dir" -name 'layer.tar' -o -path '*/blobs/sha256/*' -type f | sort -u)
    rm -rf "$dir"
    awk -v s="$total" 'BEGIN { printf "%.0f", s / 1000000 }'
}
multiarch_sizes() {
    local arch
    for arch in amd64 arm64; do
        if docker image inspect "bots-edi:multiarch-${arch}" >/dev/null 2>&1; then
            echo "linux/${arch}: $(mb "bots-edi:multiarch-${arch}") MB uncompressed, $(compressed_mb "bots-edi:multiarch-${arch}") MB compressed"
        else
            echo "linux/${arch}: not measured (run hack/docker/multiarch-build.sh first)"
        fi
    done
}

case "${1:-}" in
    --multiarch)
        echo "# bots-edi multi-arch bench ($(date -u +%FT%TZ), $(nproc) cores, host linux/$(dpkg --print-architecture))"
        echo "## Bots 4 (source tree upstream/bots) + demo/my_first_plugin, linux/amd64 + linux/arm64 (qemu)"
        for run in cold warm; do
            flag=()
            [[ "$run" == cold ]] && flag=(--no-cache)
            log="$(mktemp /var/tmp/bots-bench-multiarch.XXXXXX)"
            t0=$(date +%s)
            bash hack/docker/multiarch-build.sh "${flag[@]}" >"$log" 2>&1 || { tail -40 "$log" >&2; rm -f "$log"; exit 1; }
            echo "${run}: $(grep -E '^build linux/' "$log" | paste -sd ' ' - | sed 's/build //g'), whole script $(( $(date +%s) - t0 ))s"
            rm -f "$log"
        done
        multiarch_sizes
        exit 0
        ;;
    "") ;;
    *) echo "usage: $0 [--multiarch]" >&2; exit 64 ;;
esac

bash hack/docker/setup-engine.sh >/dev/null
arch="$(dpkg --print-architecture)"
# shellcheck source=hack/docker/buildkit.sh
source hack/docker/buildkit.sh
use_local_base
base="$BOTS_BASE_IMAGE"
local_base="$LOCAL_BASE_IMAGE"  # its size: BOTS_BASE_IMAGE may be a registry ref Docker has no tag of

shared="$(cd "${root}/.." && pwd)/shared/upstream"
source_tree="${BOTS_BENCH_SOURCE:-${shared}/bots}"
read -r -a plugins <<<"${BOTS_BENCH_PLUGINS:-${shared}/bots-plugins/demo/my_first_plugin ${shared}/bots-plugins/demo/edifact_orders_to_print ${shared}/bots-plugins/edifact/edifact_to_xml_orders-desadv-invoice ${shared}/bots-plugins/x12/x12_to_xml_850-856-810-997}"

work="$(mktemp -d /var/tmp/bots-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cp -a docker/. "$work/docker/"

build() { # tag, image-build args...; prints seconds
    local tag="$1" t0 t1
    shift
    t0=$(date +%s.%N)
    bash scripts/image-build.sh --docker-context "$work/docker" --base-image "$base" --tag "$tag" "$@" >"$work/build.log" 2>&1 || {
        tail -30 "$work/build.log" >&2
        exit 1
    }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}

echo "# bots-edi image bench ($(date -u +%FT%TZ), $(nproc) cores, linux/${arch}, base ${base})"
echo "base size: $(mb "$local_base") MB"

if [[ -f "${source_tree}/pyproject.toml" ]]; then
    plugin_args=()
    cp -a "${plugins[0]}" "$work/$(basename "${plugins[0]}")"
    plugin_args+=(--plugin "$work/$(basename "${plugins[0]}")")
    for p in "${plugins[@]:1}"; do plugin_args+=(--plugin "$p"); done
    echo "## Bots 4 (source tree ${source_tree##*/shared/}, ${#plugins[@]} plugins)"
    echo "cold build: $(build bots-edi:bench4 --no-cache --bots-source "$source_tree" "${plugin_args[@]}") s"
    echo "size: $(mb bots-edi:bench4) MB uncompressed, $(compressed_mb bots-edi:bench4) MB compressed"
    echo "layers: $(docker history -q bots-edi:bench4 | wc -l)"
    printf '\n# bench %s\n' "$(date +%s%N)" >>"$work/docker/entrypoint.sh"
    echo "rebuild, entrypoint-only change: $(build bots-edi:bench4 --bots-source "$source_tree" "${plugin_args[@]}") s"
    changed="$(find "$work/$(basename "${plugins[0]}")/usersys" -name '*.py' | sort | head -1)"
    printf '\n# bench %s\n' "$(date +%s%N)" >>"$changed"
    echo "rebuild, plugin-only change: $(build bots-edi:bench4 --bots-source "$source_tree" "${plugin_args[@]}") s"
    echo "rebuild, no change: $(build bots-edi:bench4 --bots-source "$source_tree" "${plugin_args[@]}") s"
else
    echo "## Bots 4: not measured (${source_tree} absent)"
fi

cp -a docker/entrypoint.sh "$work/docker/entrypoint.sh"
echo "## Bots 3.3.1 (PyPI, end of life)"
echo "cold build: $(build bots-edi:bench331 --no-cache) s"
echo "size: $(mb bots-edi:bench331) MB uncompressed, $(compressed_mb bots-edi:bench331) MB compressed"
printf '\n# bench %s\n' "$(date +%s%N)" >>"$work/docker/entrypoint.sh"
echo "rebuild, entrypoint-only change: $(build bots-edi:bench331) s"

echo "## multi-arch build (hack/docker/multiarch-build.sh: Bots 4 + demo/my_first_plugin)"
multiarch_sizes
