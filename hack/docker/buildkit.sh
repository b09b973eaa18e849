#!/usr/bin/env bash
# Sourced: a BuildKit builder for docker/Dockerfile on a machine whose Docker engine has no buildx
# (Debian's docker.io 20.10 embeds a BuildKit too old for named build contexts, which the Bots
# source tree and the plugins are passed as). Used by the image tier, the bench,
# scripts/image-build.sh (when `docker buildx` is missing) and multiarch-build.sh.
#
#   ensure_buildkit        buildx + buildkitd built from their Go modules (cached, version-keyed),
#                          buildkitd (OCI worker, host network) on unix:///run/bots-buildkit/...,
#                          Debian's docker-registry on 127.0.0.1:5000, buildx builder "bots-remote".
#                          Sets BUILDX (the binary) and exports BUILDX_CONFIG.
#   push_base_image IMG    copies a local docker image to the local registry; prints its new ref.
#   prepare_local_base IMG for scripts/image-build.sh from a base only the local engine has:
#                          exports BOTS_BASE_IMAGE (IMG itself with docker buildx, else IMG pushed
#                          to the local registry, where BuildKit can read it) and the builder.
#   use_local_base         the local debootstrap base ($BOTS_TEST_BASE_IMAGE, default
#                          bots-local/debian:bookworm-slim-<host arch>), built by
#                          build-base-image.sh when the engine lacks it, then prepare_local_base.
#                          Sets LOCAL_BASE_IMAGE (the engine's own name of it). Progress on stderr.
#
# Needs: go (>= 1.22) on PATH or in /usr/local/go/bin, root (starts daemons), docker running.
BUILDX_VERSION="${BUILDX_VERSION:-v0.38.2}"
BUILDKIT_VERSION="${BUILDKIT_VERSION:-v0.34.2}"
BK_CACHE="${BOTS_TOOLS_CACHE:-${HOME}/.cache/bots-edi-deploy}"
BK_REGISTRY="127.0.0.1:5000"
BK_STATE="/var/lib/bots-multiarch"
BK_SOCK_DIR="/run/bots-buildkit"
BK_ADDR="unix://${BK_SOCK_DIR}/buildkitd.sock"
BUILDX="${BK_CACHE}/buildx-${BUILDX_VERSION}/buildx"
BUILDKITD="${BK_CACHE}/buildkit-${BUILDKIT_VERSION}/buildkitd"

bk_go_tool() { # module version package output
    local module="$1" version="$2" pkg="$3" out="$4" src work
    [[ -x "$out" ]] && return 0
    if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
        PATH="/usr/local/go/bin:${PATH}"
    fi
    command -v go >/dev/null 2>&1 || { echo "go is not installed (needed to build ${module})" >&2; return 1; }
    mkdir -p "$(dirname "$out")"
    src="$(GOFLAGS=-mod=mod go mod download -json "${module}@${version}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
    work="$(mktemp -d /var/tmp/bots-gobuild.XXXXXX)"
    cp -a "${src}/." "$work/"
    chmod -R u+w "$work"
    # Module zips carry no vendor/: build as the main module (its replace directives apply),
    # dependencies from the Go module proxy.
    rm -rf "$work/vendor"
    (cd "$work" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -trimpath \
        -ldflags "-s -w -X ${module}/version.Version=${version}" -o "${out}.tmp" "$pkg") >"${out}.build.log" 2>&1 || {
        tail -30 "${out}.build.log" >&2
        rm -rf "$work"
        return 1
    }
    mv "${out}.tmp" "$out"
    rm -rf "$work"
}

ensure_buildkit() {
    bk_go_tool github.com/docker/buildx "$BUILDX_VERSION" ./cmd/buildx "$BUILDX"
    bk_go_tool github.com/moby/buildkit "$BUILDKIT_VERSION" ./cmd/buildkitd "$BUILDKITD"
    command -v docker-registry >/dev/null 2>&1 || {
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry >/dev/null
    }
    mkdir -p "$BK_STATE/registry" "$BK_SOCK_DIR" "$BK_STATE/buildkit"
    if ! curl -fsS "http://${BK_REGISTRY}/v2/" >/dev/null 2>&1; then
        cat >"$BK_STATE/registry.yml" <<CFG
version: 0.1
storage:
  filesystem:
    rootdirectory: ${BK_STATE}/registry
  delete:
    enabled: true
http:
  addr: ${BK_REGISTRY}
CFG
        nohup docker-registry serve "$BK_STATE/registry.yml" >"$BK_STATE/registry.log" 2>&1 &
        for _ in $(seq 1 30); do curl -fsS "http://${BK_REGISTRY}/v2/" >/dev/null 2>&1 && break; sleep 1; done
    fi
    curl -fsS "http://${BK_REGISTRY}/v2/" >/dev/null || { echo "local registry did not start" >&2; return 1; }
    if ! [[ -S "${BK_SOCK_DIR}/buildkitd.sock" ]] || ! pgrep -f "buildkitd --config ${BK_STATE}/buildkitd.toml" >/dev/null; then
        cat >"$BK_STATE/buildkitd.toml" <<CFG
root = "${BK_STATE}/buildkit"
[grpc]
  address = ["${BK_ADDR}"]
[worker.oci]
  enabled = true
  networkMode = "host"
  platforms = ["linux/amd64", "linux/arm64"]
[worker.containerd]
  enabled = false
[registry."${BK_REGISTRY}"]
  http = true
  insecure = true
CFG
        rm -f "${BK_SOCK_DIR}/buildkitd.sock"
        nohup "$BUILDKITD" --config "$BK_STATE/buildkitd.toml" >"$BK_STATE/buildkitd.log" 2>&1 &
        for _ in $(seq 1 30); do [[ -S "${BK_SOCK_DIR}/buildkitd.sock" ]] && break; sleep 1; done
    fi
    export BUILDX_CONFIG="$BK_STATE/buildx-config"
    if ! "$BUILDX" inspect bots-remote >/dev/null 2>&1; then
        "$BUILDX" create --name bots-remote --driver remote "$BK_ADDR" >/dev/null
    fi
    "$BUILDX" inspect --bootstrap bots-remote >/dev/null
}

push_base_image() { # local docker image -> same name in the local registry (prints the ref)
    local img="$1" ref="${BK_REGISTRY}/$1"
    if ! curl -fsS "http://${BK_REGISTRY}/v2/${img%%:*}/manifests/${img##*:}" \
            -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' >/dev/null 2>&1; then
        docker tag "$img" "$ref"
        docker push -q "$ref" >/dev/null
    fi
    echo "$ref"
}

prepare_local_base() { # local docker image
    if docker buildx version >/dev/null 2>&1; then
        export BOTS_BASE_IMAGE="$1"
        return
    fi
    ensure_buildkit
    BOTS_BASE_IMAGE="$(push_base_image "$1")"
    export BOTS_BASE_IMAGE BOTS_BUILDX="$BUILDX" BOTS_BUILDX_BUILDER=bots-remote BUILDX_CONFIG
}

use_local_base() {
    LOCAL_BASE_IMAGE="${BOTS_TEST_BASE_IMAGE:-bots-local/debian:bookworm-slim-$(dpkg --print-architecture)}"
    # Idempotent: says so and does nothing when the engine has the image.
    BOTS_BASE_IMAGE_TAG="$LOCAL_BASE_IMAGE" bash "$(dirname "${BASH_SOURCE[0]}")/build-base-image.sh" >&2
    prepare_local_base "$LOCAL_BASE_IMAGE" >&2
}
