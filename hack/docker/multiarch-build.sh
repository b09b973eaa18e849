#!/usr/bin/env bash
# Real multi-arch build of the image operators run: Bots 4 from the source tree
# (../shared/upstream/bots) with the plugin demo/my_first_plugin of ../shared/upstream/bots-plugins
# baked in, built by `npm run image:build` (the program's Dockerfile, named contexts and build args)
# once per platform, linux/amd64 and linux/arm64 (under qemu), and joined into one manifest list on
# the local registry, as the program's build mode joins its per-platform builds into one index.
# `npm run test:arm64` runs it, then starts the arm64 image under emulation (test/arm64/).
#
#   bash hack/docker/multiarch-build.sh [--no-cache]     (--no-cache: cold image builds)
#
# What it sets up (idempotent; tools cached outside the work tree, keyed by version):
#   - qemu-user-static + binfmt (arm64 emulation), Debian's docker-registry on 127.0.0.1:5000
#   - buildx and buildkitd built from their Go modules (hack/docker/buildkit.sh)
#   - debootstrap bases for amd64 and arm64 (hack/docker/build-base-image.sh) in the local registry:
#     amd64 as the image tier pushes it (so its build is the image tier's, from its cache), arm64
#     re-packed by BuildKit (Docker 20.10's `docker import` records every import as amd64)
# Leaves bots-edi:multiarch-amd64 and bots-edi:multiarch-arm64 in the local engine (the bench
# prints their sizes). Prints timings and sizes.
# Env: BOTS_MULTIARCH_SOURCE (Bots tree), BOTS_MULTIARCH_PLUGINS (plugin dirs, space separated).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
cd "$root"

no_cache=()
case "${1:-}" in
    --no-cache) no_cache=(--no-cache) ;;
    "") ;;
    *) echo "usage: $0 [--no-cache]" >&2; exit 64 ;;
esac

# shellcheck source=hack/docker/buildkit.sh
source "${here}/buildkit.sh"
REGISTRY="${BK_REGISTRY}"
IMAGE="${REGISTRY}/bots-edi:multiarch"
shared="$(cd "${root}/.." && pwd)/shared/upstream"
source_tree="${BOTS_MULTIARCH_SOURCE:-${shared}/bots}"
read -r -a plugins <<<"${BOTS_MULTIARCH_PLUGINS:-${shared}/bots-plugins/demo/my_first_plugin}"
for d in "$source_tree" "${plugins[@]}"; do
    [[ -d "$d" ]] || { echo "$d is missing: the multi-arch build bakes the operators' Bots 4 tree and a plugin from ../shared/upstream" >&2; exit 1; }
done
plugin_args=()
for p in "${plugins[@]}"; do plugin_args+=(--plugin "$p"); done

t() { date +%s; }
took() { echo "$(( $(t) - $1 ))s"; }
step() { printf '\n== %s\n' "$*"; }

start_all=$(t)
step "setup: docker, qemu-user-static, binfmt, docker-registry"
s=$(t)
bash hack/docker/setup-engine.sh --multiarch
echo "setup: $(took "$s")"

step "buildx ${BUILDX_VERSION} and buildkitd ${BUILDKIT_VERSION} from Go modules, registry ${REGISTRY}, buildkitd"
s=$(t)
ensure_buildkit
export BOTS_BUILDX="$BUILDX" BOTS_BUILDX_BUILDER=bots-remote BUILDX_CONFIG
"$BUILDX" inspect bots-remote | grep -E '^(Name|Driver|Status|Platforms|BuildKit)' || true
echo "buildkit: $(took "$s")"

step "debootstrap bases (amd64, arm64) in the local registry"
s=$(t)
for arch in amd64 arm64; do
    a=$(t)
    BOTS_BASE_IMAGE_TAG="bots-local/debian:bookworm-slim-${arch}" bash hack/docker/build-base-image.sh "$arch"
    echo "base ${arch}: $(took "$a")"
done
declare -A base
base[amd64]="$(push_base_image bots-local/debian:bookworm-slim-amd64)"
# arm64: re-packed once per local base image (named after its id): a new export differs in the
# container's init files' times and would rebuild the whole arm64 image.
id="$(docker image inspect -f '{{.Id}}' bots-local/debian:bookworm-slim-arm64 | cut -c8-19)"
base[arm64]="${REGISTRY}/bots-local/debian:bookworm-slim-arm64-${id}"
if ! "$BUILDX" imagetools inspect "${base[arm64]}" >/dev/null 2>&1; then
    ctx="$(mktemp -d /var/tmp/bots-multiarch-base.XXXXXX)"
    trap 'rm -rf "$ctx"' EXIT
    cid="$(docker create bots-local/debian:bookworm-slim-arm64 true)"
    docker export "$cid" >"$ctx/rootfs.tar"
    docker rm "$cid" >/dev/null
    cat >"$ctx/Dockerfile" <<'DF'
FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["bash"]
DF
    "$BUILDX" build --builder bots-remote --platform linux/arm64 -t "${base[arm64]}" --push "$ctx" 2>&1 | tail -2
    rm -rf "$ctx"
fi
echo "bases: ${base[amd64]} ${base[arm64]} ($(took "$s"))"

# One image:build per platform (the program builds one cached image per platform too), so each
# platform's time is its own; then one manifest list of both.
declare -A built
for arch in amd64 arm64; do
    step "image:build linux/${arch} ${no_cache[*]}: Bots 4 ($(basename "$source_tree")) + ${plugins[*]##*/}"
    s=$(t)
    log="$BK_STATE/multiarch-${arch}.log"
    bash scripts/image-build.sh --push --platform "linux/${arch}" --tag "${IMAGE}-${arch}" --base-image "${base[$arch]}" \
        --bots-source "$source_tree" "${plugin_args[@]}" "${no_cache[@]}" >"$log" 2>&1 || {
        tail -40 "$log" >&2
        exit 1
    }
    built[$arch]="$(tail -1 "$log")"
    echo "pushed ${built[$arch]}"
    echo "build linux/${arch}: $(took "$s")"
done

step "manifest list ${IMAGE}"
"$BUILDX" imagetools create -t "$IMAGE" "${built[amd64]}" "${built[arm64]}"
"$BUILDX" imagetools inspect "$IMAGE"
platforms="$("$BUILDX" imagetools inspect --raw "$IMAGE" | python3 -c 'import json,sys; m=json.load(sys.stdin); print(" ".join(sorted(p["platform"]["os"]+"/"+p["platform"]["architecture"] for p in m["manifests"] if p["platform"]["os"]!="unknown")))')"
echo "platforms in manifest list: ${platforms}"
[[ "$platforms" == "linux/amd64 linux/arm64" ]] || { echo "expected linux/amd64 and linux/arm64" >&2; exit 1; }

step "pull each platform from the manifest list into the local engine"
for arch in amd64 arm64; do
    docker pull -q --platform "linux/${arch}" "$IMAGE" >/dev/null
    docker tag "$IMAGE" "bots-edi:multiarch-${arch}"
    got="$(docker image inspect -f '{{.Os}}/{{.Architecture}}' "bots-edi:multiarch-${arch}")"
    [[ "$got" == "linux/${arch}" ]] || { echo "bots-edi:multiarch-${arch} is ${got}" >&2; exit 1; }
done
docker rmi "$IMAGE" >/dev/null
docker run --rm --platform linux/arm64 --entrypoint bash bots-edi:multiarch-arm64 -c \
    'echo "uname -m: $(uname -m)"; python3 -c "import django, psycopg, MySQLdb, lxml, importlib.metadata as m; print(\"bots\", m.version(\"bots-ediint\"), \"django\", django.get_version())"'

step "sizes"
python3 - "$REGISTRY" <<'PY'
import json, sys, urllib.request
reg = sys.argv[1]
def get(path, accept):
    req = urllib.request.Request(f"http://{reg}/v2/{path}", headers={"Accept": accept})
    return json.load(urllib.request.urlopen(req))
index = get("bots-edi/manifests/multiarch", "application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.list.v2+json")
for m in index["manifests"]:
    plat = m["platform"]
    if plat["os"] == "unknown":
        continue
    man = get(f"bots-edi/manifests/{m['digest']}", m["mediaType"])
    size = sum(layer["size"] for layer in man["layers"])
    print(f"compressed size {plat['os']}/{plat['architecture']}: {size / 1e6:.0f} MB ({len(man['layers'])} layers)")
PY
for arch in amd64 arm64; do
    echo "uncompressed size linux/${arch}: $(docker image inspect -f '{{.Size}}' "bots-edi:multiarch-${arch}" | awk '{printf "%.0f MB", $1/1e6}')"
done
echo "total: $(took "$start_all")"
