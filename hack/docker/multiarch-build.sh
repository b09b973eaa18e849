#!/usr/bin/env bash
# Real multi-arch build of docker/Dockerfile on this machine: linux/amd64 + linux/arm64, pushed as
# one manifest list to a local registry. Not part of `npm run test:image` (arm64 runs under qemu).
#
# What it sets up (idempotent; tools cached outside the work tree, keyed by version):
#   - buildx and buildkitd built from their Go modules (as main modules, deps from the proxy) into
#     ${BOTS_TOOLS_CACHE:-~/.cache/bots-edi-deploy}/buildx-<v>/ and buildkit-<v>/
#   - qemu-user-static + binfmt (arm64 emulation), Debian's docker-registry on 127.0.0.1:5000
#   - buildkitd (OCI worker, runc, host network for RUN) on unix:///run/bots-buildkit/buildkitd.sock
#   - debootstrap bases for amd64 and arm64, re-packed by BuildKit as one multi-arch base image
#     (Docker 20.10's `docker import` records every import as amd64)
# Then builds and pushes 127.0.0.1:5000/bots-edi:multiarch, checks the manifest list, and runs the
# arm64 image under emulation. Prints timings.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
cd "$root"

# shellcheck source=hack/docker/buildkit.sh
source "${here}/buildkit.sh"
REGISTRY="${BK_REGISTRY}"
IMAGE="${REGISTRY}/bots-edi:multiarch"
BASE="${REGISTRY}/bots-local/debian:bookworm-slim"

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
"$BUILDX" version
"$BUILDKITD" --version
"$BUILDX" inspect bots-remote | grep -E '^(Name|Driver|Status|Platforms|BuildKit)' || true
echo "buildkit: $(took "$s")"

step "debootstrap bases (amd64, arm64) -> one multi-arch base ${BASE}"
s=$(t)
ctx="$(mktemp -d /var/tmp/bots-multiarch-base.XXXXXX)"
trap 'rm -rf "$ctx"' EXIT
for arch in amd64 arm64; do
    a=$(t)
    BOTS_BASE_IMAGE_TAG="bots-local/debian:bookworm-slim-${arch}" bash hack/docker/build-base-image.sh "$arch"
    cid="$(docker create "bots-local/debian:bookworm-slim-${arch}" true)"
    docker export "$cid" >"$ctx/rootfs-${arch}.tar"
    docker rm "$cid" >/dev/null
    echo "base ${arch}: $(took "$a")"
done
cat >"$ctx/Dockerfile" <<'DF'
FROM scratch
ARG TARGETARCH
ADD rootfs-${TARGETARCH}.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["bash"]
DF
"$BUILDX" build --builder bots-remote --platform linux/amd64,linux/arm64 -t "$BASE" --push "$ctx" 2>&1 | tail -3
echo "multi-arch base: $(took "$s")"

step "build docker/Dockerfile for linux/amd64,linux/arm64 and push ${IMAGE}"
s=$(t)
"$BUILDX" build --builder bots-remote --platform linux/amd64,linux/arm64 \
    --build-arg "BASE_IMAGE=${BASE}" -t "$IMAGE" --push docker/ >"$BK_STATE/build.log" 2>&1 || {
    tail -40 "$BK_STATE/build.log" >&2
    exit 1
}
build_s=$(took "$s")
grep -E '^#[0-9]+ DONE|exporting manifest list|pushing' "$BK_STATE/build.log" | tail -5 || true
echo "multi-arch build + push: ${build_s}"

step "manifest list"
"$BUILDX" imagetools inspect "$IMAGE"
platforms="$("$BUILDX" imagetools inspect --raw "$IMAGE" | python3 -c 'import json,sys; m=json.load(sys.stdin); print(" ".join(sorted(p["platform"]["os"]+"/"+p["platform"]["architecture"] for p in m["manifests"] if p["platform"]["os"]!="unknown")))')"
echo "platforms in manifest list: ${platforms}"
[[ "$platforms" == "linux/amd64 linux/arm64" ]] || { echo "expected linux/amd64 and linux/arm64" >&2; exit 1; }

step "run the arm64 image under emulation"
docker pull -q --platform linux/arm64 "$IMAGE" >/dev/null
docker tag "$IMAGE" bots-edi:multiarch-arm64
docker run --rm --platform linux/arm64 --entrypoint bash bots-edi:multiarch-arm64 -c \
    'uname -m; python3 -c "import django, psycopg2, MySQLdb, importlib.metadata as m; print(\"bots\", m.version(\"bots-ediint\"), \"django\", django.get_version())"'
v="$(mktemp -d /var/tmp/bots-multiarch-vol.XXXXXX)"
chown 10001:10001 "$v"
docker run --rm --platform linux/arm64 --read-only --tmpfs /tmp --tmpfs /run/bots:uid=10001,gid=10001 \
    -e DJANGO_SECRET_KEY=multiarch -v "$v:/home/bots/.bots" bots-edi:multiarch-arm64 init-db | tail -2
rm -rf "$v"
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
echo "uncompressed size linux/arm64: $(docker image inspect -f '{{.Size}}' bots-edi:multiarch-arm64 | awk '{printf "%.0f MB", $1/1e6}')"
echo "total: $(took "$start_all")"
