#!/usr/bin/env bash
# Make sure what the image tests, the bench and the multi-arch build need is installed and running:
# Debian's docker.io engine (dockerd started here when not running), debootstrap, shellcheck,
# PostgreSQL and MariaDB server binaries (the tests run their own server processes).
# Idempotent and quick when everything is already there.
#
# Usage: setup-engine.sh [--multiarch | --engine-only]
#   --multiarch    also: qemu-user-static, binfmt-support, docker-registry, arm64 binfmt registration
#   --engine-only  only the engine and debootstrap (what building the image needs: up:local)
set -euo pipefail

multiarch=0
engine_only=0
case "${1:-}" in
    --multiarch) multiarch=1 ;;
    --engine-only) engine_only=1 ;;
esac

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
# hack/docker/buildkit.sh (the build without docker buildx) reads the local registry with curl and
# the Go module cache's JSON with python3.
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if (( ! engine_only )); then
    command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
    [[ -x /usr/sbin/mariadbd ]] || need+=(mariadb-server)
fi
if (( multiarch )); then
    [[ -x /usr/bin/qemu-aarch64-static ]] || need+=(qemu-user-static binfmt-support)
    command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
fi
if (( ${#need[@]} )); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "missing packages (${need[*]}) and not root" >&2
        exit 1
    fi
    echo "installing: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
    if ! pgrep -x dockerd >/dev/null 2>&1; then
        echo "starting dockerd"
        mkdir -p /var/log
        nohup dockerd >/var/log/bots-dockerd.log 2>&1 &
    fi
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && break
        sleep 1
    done
    docker info >/dev/null 2>&1 || { echo "dockerd did not come up; see /var/log/bots-dockerd.log" >&2; exit 1; }
fi

if (( multiarch )); then
    if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    fi
    if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
        update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
        # binfmt-support's postinst may have run before binfmt_misc was mounted.
        [[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || update-binfmts --import qemu-aarch64 >/dev/null
    fi
    [[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || { echo "qemu-aarch64 binfmt not registered" >&2; exit 1; }
fi
